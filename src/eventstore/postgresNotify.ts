import type { Database } from '../db/index.ts';

/** Channel on which committed appends are announced to other processes. */
export const eventsChannel = 'tf_events';

const notifyIntervalMs = 5;

/**
 * Tells other processes that the log moved, after the commit: a NOTIFY inside the append's
 * transaction takes a global lock at commit and defeats group commit (measured in
 * bench/analysis.md). Each NOTIFY is a commit that takes the notification queue's lock, so at
 * most one is in flight and the next waits `notifyIntervalMs` (5 ms): under load a few hundred
 * per second instead of one per append. A notification lost to a crash here is covered by the
 * readers' polling. Returns `announce`, to call after each committed append.
 */
export function createAnnouncer(db: Database): () => void {
  let notifying = false;
  let notifyAgain = false;
  function sendNotify() {
    db.query(`SELECT pg_notify($1, '')`, [eventsChannel], { prepared: true })
      .catch(() => undefined)
      .finally(() => {
        if (!notifyAgain) {
          notifying = false;
          return;
        }
        // Appends meanwhile: one more NOTIFY, after a pause that lets more of them share it.
        notifyAgain = false;
        setTimeout(sendNotify, notifyIntervalMs);
      });
  }
  return function announce() {
    if (notifying) {
      notifyAgain = true;
      return;
    }
    notifying = true;
    setImmediate(sendNotify);
  };
}
