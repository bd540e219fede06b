/**
 * RFC 9162 (Certificate Transparency 2.0) Merkle tree, section 2.1: domain-separated leaf and
 * node hashes, inclusion and consistency proofs and their verification. Pure: no I/O. The RFC's
 * test vectors (as transparency-dev/merkle publishes them) pass: test/audit/merkle.unit.test.ts.
 */
import { createHash } from 'node:crypto';

export type Hash = Buffer;

const sha256 = (...parts: Buffer[]): Hash => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

export const emptyRoot = (): Hash => sha256();
export const leafHash = (entry: Buffer): Hash => sha256(LEAF, entry);
export const nodeHash = (left: Hash, right: Hash): Hash => sha256(NODE, left, right);

/** Only SHA-256 digests take part in a proof (an empty string is not a hash). */
const allHashes = (hashes: readonly Buffer[]) => hashes.every((h) => h.length === 32);

/** The largest power of two smaller than n (n > 1): where RFC 9162 splits a tree of n leaves. */
export function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * MTH(D[start:end]) from leaf hashes, bottom-up with a stack of complete subtrees: O(n) hashes,
 * O(log n) memory beyond the leaves.
 */
export function rootOf(leaves: readonly Hash[], start = 0, end = leaves.length): Hash {
  if (end <= start) return emptyRoot();
  const stack: Array<{ hash: Hash; size: number }> = [];
  for (let i = start; i < end; i++) {
    let node = { hash: leaves[i]!, size: 1 };
    while (stack.length > 0 && stack.at(-1)!.size === node.size) {
      const left = stack.pop()!;
      node = { hash: nodeHash(left.hash, node.hash), size: node.size * 2 };
    }
    stack.push(node);
  }
  let root = stack.pop()!.hash;
  while (stack.length > 0) root = nodeHash(stack.pop()!.hash, root);
  return root;
}

/**
 * A tree over a list of leaf hashes, answering roots and proofs for any size. Hashes of complete,
 * aligned subtrees of 256 leaves or more are kept once computed, so after the first root every
 * proof costs O(log² n) hashes however large the log (verify --all asks for one per checkpoint).
 */
export class MerkleTree {
  private readonly subtrees = new Map<string, Hash>();
  constructor(private readonly leaves: readonly Hash[]) {}

  get size(): number {
    return this.leaves.length;
  }

  /** MTH(D[start:end]). */
  hash(start: number, end: number): Hash {
    const n = end - start;
    if (n <= 0) return emptyRoot();
    if (n === 1) return this.leaves[start]!;
    const complete = (n & (n - 1)) === 0 && start % n === 0 && n >= 256;
    const key = `${start}:${n}`;
    if (complete) {
      const known = this.subtrees.get(key);
      if (known) return known;
    }
    const k = split(n);
    const hash = nodeHash(this.hash(start, start + k), this.hash(start + k, end));
    if (complete) this.subtrees.set(key, hash);
    return hash;
  }

  root(size = this.leaves.length): Hash {
    return this.hash(0, size);
  }

  /** PATH(m, D[0:size]): the inclusion proof of leaf m in the tree of `size` leaves. */
  inclusionProof(m: number, size: number): Hash[] {
    if (!(m >= 0 && m < size && size <= this.leaves.length))
      throw new RangeError('leaf not in tree');
    return inclusionPath((start, end) => this.hash(start, end), m, size);
  }

  /** PROOF(m, D[0:n]): the consistency proof from the tree of m leaves to the tree of n. */
  consistencyProof(m: number, n: number): Hash[] {
    if (!(m > 0 && m <= n && n <= this.leaves.length)) throw new RangeError('invalid sizes');
    return consistencyPath((start, end) => this.hash(start, end), m, n);
  }
}

/** MTH(D[start:end]), from wherever the caller keeps the tree. */
export type RangeHash = (start: number, end: number) => Hash;

/** RFC 9162 2.1.3.1, PATH(m, D[0:size]), over any source of subtree hashes. */
export function inclusionPath(hash: RangeHash, m: number, size: number): Hash[] {
  const proof: Hash[] = [];
  const path = (index: number, start: number, end: number): void => {
    const n = end - start;
    if (n === 1) return;
    const k = split(n);
    if (index < k) path(index, start, start + k);
    else path(index - k, start + k, end);
    proof.push(index < k ? hash(start + k, end) : hash(start, start + k));
  };
  path(m, 0, size);
  return proof;
}

/** RFC 9162 2.1.4.1, PROOF(m, D[0:n]), over any source of subtree hashes. */
export function consistencyPath(hash: RangeHash, m: number, n: number): Hash[] {
  const proof: Hash[] = [];
  const subproof = (mm: number, start: number, end: number, whole: boolean): void => {
    const size = end - start;
    if (mm === size) {
      if (!whole) proof.push(hash(start, end));
      return;
    }
    const k = split(size);
    if (mm <= k) subproof(mm, start, start + k, whole);
    else subproof(mm - k, start + k, end, false);
    proof.push(mm <= k ? hash(start + k, end) : hash(start, start + k));
  };
  subproof(m, 0, n, true);
  return proof;
}

export const inclusionProof = (leaves: readonly Hash[], m: number, size: number): Hash[] =>
  new MerkleTree(leaves).inclusionProof(m, size);
export const consistencyProof = (leaves: readonly Hash[], m: number, n: number): Hash[] =>
  new MerkleTree(leaves).consistencyProof(m, n);

/** RFC 9162 2.1.3.2: whether `proof` shows leaf `index` (hash `leaf`) in the tree `root` of `size`. */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Hash,
  proof: readonly Hash[],
  root: Hash,
): boolean {
  if (!(index >= 0 && index < size) || !allHashes([leaf, root, ...proof])) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 2.1.4.2: whether `proof` shows the tree (size1, root1) is a prefix of (size2, root2). */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Hash[],
  root1: Hash,
  root2: Hash,
): boolean {
  if (size2 < size1 || size1 === 0 || !allHashes(proof)) return false;
  if (size1 === size2) return proof.length === 0 && root1.equals(root2);
  if (proof.length === 0) return false;
  const path = (size1 & (size1 - 1)) === 0 ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(root1) && sr.equals(root2);
}

/**
 * The right edge of a growing tree (RFC 9162 subtrees that are complete): appending a leaf and
 * computing the root cost O(log n), so the sequencer never rereads the whole log.
 */
export class CompactTree {
  private readonly edge: Array<{ hash: Hash; size: number }> = [];
  size = 0;

  /** `completed` hears of every subtree the leaf completes: its size, first leaf and hash. */
  append(leaf: Hash, completed?: (size: number, start: number, hash: Hash) => void): void {
    let node = { hash: leaf, size: 1 };
    while (this.edge.length > 0 && this.edge.at(-1)!.size === node.size) {
      const left = this.edge.pop()!;
      node = { hash: nodeHash(left.hash, node.hash), size: node.size * 2 };
      completed?.(node.size, this.size + 1 - node.size, node.hash);
    }
    this.edge.push(node);
    this.size += 1;
  }

  root(): Hash {
    if (this.edge.length === 0) return emptyRoot();
    let root = this.edge.at(-1)!.hash;
    for (let i = this.edge.length - 2; i >= 0; i--) root = nodeHash(this.edge[i]!.hash, root);
    return root;
  }
}
