/**
 * Commits concurrent operations together: the first runs at once; those that arrive meanwhile
 * wait for it and then run as one group (`runTogether`, one transaction). For PGlite, a single
 * session that runs statements one at a time anyway: a group pays one commit (one WAL write)
 * instead of one per append. When a group fails as a whole (a statement error aborts its
 * transaction), each of its operations runs alone, so no caller gets another caller's error.
 */
export function groupCommits<Item, Result>(
  runAlone: (item: Item) => Promise<Result>,
  runTogether: (items: readonly Item[]) => Promise<Array<{ ok: Result } | { error: unknown }>>,
  maxGroup = 64,
): (item: Item) => Promise<Result> {
  type Waiting = { item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void };
  const queue: Waiting[] = [];
  let draining = false;

  async function runEachAlone(group: readonly Waiting[]): Promise<void> {
    for (const w of group) await runAlone(w.item).then(w.resolve, w.reject);
  }

  async function drain(): Promise<void> {
    draining = true;
    try {
      while (queue.length > 0) {
        const group = queue.splice(0, maxGroup);
        if (group.length === 1) {
          await runEachAlone(group);
          continue;
        }
        let outcomes: Array<{ ok: Result } | { error: unknown }>;
        try {
          outcomes = await runTogether(group.map((w) => w.item));
        } catch {
          await runEachAlone(group);
          continue;
        }
        group.forEach((w, i) => {
          const outcome = outcomes[i]!;
          if ('ok' in outcome) w.resolve(outcome.ok);
          else w.reject(outcome.error);
        });
      }
    } finally {
      draining = false;
    }
  }

  return (item) =>
    new Promise<Result>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!draining) void drain();
    });
}
