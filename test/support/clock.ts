/** A clock that stands still until a test moves it: SLA tests never sleep. */
export function manualClock(start = '2026-11-24T10:00:00.000Z') {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
    set(iso: string) {
      t = Date.parse(iso);
    },
  };
}

export const minutes = (n: number) => n * 60_000;
