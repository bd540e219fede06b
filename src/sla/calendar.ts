/**
 * Business hours, kept simple: Monday to Friday, `startHour`..`endHour` in one fixed UTC offset
 * (no holidays, no daylight-saving changes). Without business hours every millisecond counts.
 */
export interface BusinessCalendar {
  startHour: number;
  endHour: number;
  utcOffsetMinutes: number;
}

const day = 24 * 60 * 60 * 1000;
const hour = 60 * 60 * 1000;

/** The business window [start, end) of the local day containing `t`, in UTC ms, or null on weekends. */
function windowOf(localMidnight: number, cal: BusinessCalendar): [number, number] | null {
  const weekday = new Date(localMidnight).getUTCDay();
  if (weekday === 0 || weekday === 6) return null;
  const offset = cal.utcOffsetMinutes * 60 * 1000;
  return [
    localMidnight + cal.startHour * hour - offset,
    localMidnight + cal.endHour * hour - offset,
  ];
}

const localMidnightOf = (t: number, cal: BusinessCalendar) => {
  const local = t + cal.utcOffsetMinutes * 60 * 1000;
  return local - (((local % day) + day) % day);
};

/** Milliseconds of business time between `from` and `to`. */
export function businessMsBetween(from: number, to: number, cal: BusinessCalendar | null): number {
  if (to <= from) return 0;
  if (!cal) return to - from;
  let total = 0;
  for (let d = localMidnightOf(from, cal); d - day <= to; d += day) {
    const w = windowOf(d, cal);
    if (!w) continue;
    const start = Math.max(from, w[0]);
    const end = Math.min(to, w[1]);
    if (end > start) total += end - start;
  }
  return total;
}

/** The instant at which `ms` of business time have passed after `from`. */
export function addBusinessMs(from: number, ms: number, cal: BusinessCalendar | null): number {
  if (!cal) return from + Math.max(0, ms);
  if (ms <= 0) return from;
  let left = ms;
  // Bounded: a window is at least an hour a weekday, so ten years of days always suffice.
  for (let d = localMidnightOf(from, cal), n = 0; n < 3660; d += day, n++) {
    const w = windowOf(d, cal);
    if (!w) continue;
    const start = Math.max(from, w[0]);
    if (start >= w[1]) continue;
    const available = w[1] - start;
    if (left <= available) return start + left;
    left -= available;
  }
  throw new Error('SLA target too far in business time');
}
