"""Independent check of the local model's ceiling on itsm-tickets: well-known model families from
scikit-learn and LightGBM, each trained on train.jsonl and measured on dev.jsonl with the same
metrics as `npm run eval`. Research only, not part of the product (see docs/local-model.md).

    pip install scikit-learn lightgbm
    python3 docs/research/model_families.py [../shared/datasets/itsm-tickets]
"""
import collections, json, re, sys
import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

DATA = sys.argv[1] if len(sys.argv) > 1 else '../shared/datasets/itsm-tickets'

def load(name):
    with open(f'{DATA}/{name}') as f:
        return [json.loads(line) for line in f if line.strip()]

def text(r):
    t = (r['subject'] + '\n' + r['body']).lower()
    t = re.sub(r'received from:\s*\S+', ' ', t)
    t = re.sub(r'\S+@\S+', ' ', t)
    return re.sub(r'\d+', '#', t)

def metrics(y, pred, p1):
    """accuracy, macro-F1, L1-vs-escalate, and, as `npm run eval` defines them over thresholds
    0.000-1.000 of the level-1 score: the best precision answering at least 65 % of the level-1
    tickets, and the largest coverage at 95 % precision."""
    f1 = []
    for k in (1, 2, 3):
        tp = ((pred == k) & (y == k)).sum()
        f1.append(2 * tp / max(1, (pred == k).sum() + (y == k).sum()))
    n1 = (y == 1).sum()
    lo, hi = p1.min(), p1.max()
    # Probabilities are used as they are; an SVM's margins are mapped to 0..1 (order kept).
    score = p1 if lo >= 0 and hi <= 1 else (p1 - lo) / (hi - lo)
    c95, p65 = 0.0, 0.0
    for t in np.linspace(0, 1, 1001):
        answered = (pred == 1) & (score >= t)
        if answered.sum() == 0:
            continue
        right = (answered & (y == 1)).sum()
        precision, coverage = right / answered.sum(), right / n1
        if precision >= 0.95:
            c95 = max(c95, coverage)
        if coverage >= 0.65:
            p65 = max(p65, precision)
    return [(pred == y).mean(), np.mean(f1), ((pred == 1) == (y == 1)).mean(), p65, c95]


train, dev = load('train.jsonl'), load('dev.jsonl')
xt, xd = [text(r) for r in train], [text(r) for r in dev]
yt, yd = np.array([r['level'] for r in train]), np.array([r['level'] for r in dev])
groups = np.array([r['group'] for r in train])

words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
chars = TfidfVectorizer(analyzer='char_wb', ngram_range=(3, 5), min_df=3, sublinear_tf=True, max_features=60000)
A = normalize(hstack([words.fit_transform(xt), chars.fit_transform(xt)]).tocsr())
B = normalize(hstack([words.transform(xd), chars.transform(xd)]).tocsr())
rows = []

def add(name, proba):
    rows.append((name, metrics(yd, proba.argmax(1) + 1, proba[:, 0])))

lr = LogisticRegression(C=3, max_iter=3000).fit(A, yt)
p_lr = lr.predict_proba(B)
add('TF-IDF (word 1-2 + char 3-5) + logistic regression', p_lr)
add('  the same, balanced class weights', LogisticRegression(C=3, max_iter=3000, class_weight='balanced').fit(A, yt).predict_proba(B))

count = collections.Counter(groups)
fine = np.array([g if count[g] >= 30 else f'other{l}' for g, l in zip(groups, yt)])
level_of = dict(zip(fine, yt))
g = LogisticRegression(C=10, max_iter=3000).fit(A, fine)
pg = g.predict_proba(B)
p_group = np.zeros((len(yd), 3))
for j, name in enumerate(g.classes_):
    p_group[:, level_of[name] - 1] += pg[:, j]
add('logistic regression over assignment groups, summed per level', p_group)

subject = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
st = subject.fit_transform([re.sub(r'\d+', '#', r['subject'].lower()) for r in train])
sd = subject.transform([re.sub(r'\d+', '#', r['subject'].lower()) for r in dev])
A2, B2 = normalize(hstack([A, st]).tocsr()), normalize(hstack([B, sd]).tocsr())
add('+ a separate subject block', LogisticRegression(C=3, max_iter=3000).fit(A2, yt).predict_proba(B2))

svd = TruncatedSVD(300, random_state=0).fit(A)
A3 = hstack([A, csr_matrix(0.5 * normalize(svd.transform(A)))]).tocsr()
B3 = hstack([B, csr_matrix(0.5 * normalize(svd.transform(B)))]).tocsr()
add('+ 300 latent-semantic (SVD) dimensions', LogisticRegression(C=3, max_iter=3000).fit(A3, yt).predict_proba(B3))

svm = LinearSVC(C=1).fit(A, yt)
d = svm.decision_function(B)
pred = svm.predict(B)
rows.append(('linear SVM (ranked by the level-1 margin)', metrics(yd, pred, d[:, 0] - d[:, 1:].max(1))))

counts = CountVectorizer(ngram_range=(1, 2), min_df=2)
ct, cd = counts.fit_transform(xt), counts.transform(xd)
add('complement naive Bayes (word 1-2-grams)', ComplementNB(alpha=0.3).fit(ct, yt).predict_proba(cd))

try:
    import lightgbm as lgb
    binary = CountVectorizer(ngram_range=(1, 2), min_df=3, binary=True)
    bt, bd = binary.fit_transform(xt).astype(np.float32), binary.transform(xd).astype(np.float32)
    gbm = lgb.LGBMClassifier(n_estimators=300, learning_rate=0.05, num_leaves=15, min_child_samples=5,
                             colsample_bytree=0.3, verbose=-1, n_jobs=2).fit(bt, yt)
    p_gbm = gbm.predict_proba(bd)
    add('gradient-boosted trees (LightGBM, binary word 1-2-grams)', p_gbm)
    add('average of LightGBM (0.3) and logistic regression (0.7)', 0.3 * p_gbm + 0.7 * p_lr)
except ImportError:
    pass

# Where the errors are: agreement with the nearest training ticket, by how similar it is.
sim = (B @ A.T).toarray()
nearest, best = sim.argmax(1), sim.max(1)
pred_lr = p_lr.argmax(1) + 1

print('| model (trained on train.jsonl, measured on dev.jsonl) | accuracy | macro-F1 | L1-vs-escalate | precision at 65 % coverage | coverage at 95 % precision |')
print('|---|---:|---:|---:|---:|---:|')
for name, m in rows:
    print(f'| {name} | ' + ' | '.join(f'{v:.3f}' for v in m) + ' |')
print()
print('| similarity of the nearest training ticket | dev tickets | its label agrees (3-class) | agrees (L1 vs escalate) | logistic regression accuracy |')
print('|---|---:|---:|---:|---:|')
for lo, hi in [(0.99, 2), (0.8, 0.99), (0.6, 0.8), (0.4, 0.6), (0, 0.4)]:
    m = (best >= lo) & (best < hi)
    agree = (yt[nearest[m]] == yd[m]).mean()
    agree_bin = ((yt[nearest[m]] == 1) == (yd[m] == 1)).mean()
    label = f'≥ {lo}' if hi > 1 else f'{lo}-{hi}'
    print(f'| {label} | {m.sum()} | {agree:.3f} | {agree_bin:.3f} | {(pred_lr[m] == yd[m]).mean():.3f} |')
