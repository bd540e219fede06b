import { describe, expect, it } from 'vitest';
import {
  addBusinessMs,
  businessMsBetween,
  dueEvents,
  foldSla,
  timersOf,
  type SlaSettings,
} from '../../src/sla/index.ts';
import type { StoredEvent } from '../../src/events/index.ts';

const cal = { startHour: 9, endHour: 17, utcOffsetMinutes: 60 }; // 09:00-17:00 at UTC+1
const hour = 3_600_000;

describe('business hours', () => {
  it('count only weekdays 09:00-17:00 in the configured offset', () => {
    // Friday 2026-11-27 15:00 UTC = 16:00 local → Monday 10:00 local = 09:00 UTC: 1 h Friday + 1 h Monday.
    expect(
      businessMsBetween(
        Date.parse('2026-11-27T15:00:00Z'),
        Date.parse('2026-11-30T09:00:00Z'),
        cal,
      ),
    ).toBe(2 * hour);
  });
  it('move a due time over the night and the weekend', () => {
    const due = addBusinessMs(Date.parse('2026-11-27T15:00:00Z'), 2 * hour, cal);
    expect(new Date(due).toISOString()).toBe('2026-11-30T09:00:00.000Z');
  });
  it('start counting at opening time for a ticket that arrives at night', () => {
    expect(
      new Date(addBusinessMs(Date.parse('2026-11-24T22:00:00Z'), 30 * 60_000, cal)).toISOString(),
    ).toBe('2026-11-25T08:30:00.000Z');
  });
  it('count every millisecond without business hours', () => {
    expect(businessMsBetween(0, 5, null)).toBe(5);
    expect(addBusinessMs(0, 5, null)).toBe(5);
  });
});

const settings: SlaSettings = {
  levels: {
    1: { firstResponseMinutes: 60, resolutionMinutes: 240, businessHours: false },
    2: { firstResponseMinutes: 30, resolutionMinutes: 120, businessHours: false },
    3: { firstResponseMinutes: 10, resolutionMinutes: 100, businessHours: false },
  },
  warningRatio: 0.8,
  calendar: cal,
  autoCloseAfterMs: 24 * hour,
};

let version = 0;
const at = (minute: number) =>
  new Date(Date.parse('2026-11-24T10:00:00Z') + minute * 60_000).toISOString();
const ev = (type: string, minute: number, data: object = {}) =>
  ({
    type,
    data,
    version: ++version,
    timestamp: at(minute),
    metadata: { actor: { id: 'x', role: 'agent' } },
  }) as unknown as StoredEvent;

function escalatedAt0() {
  version = 0;
  return [
    ev('TicketReceived', 0),
    ev('ClassificationStarted', 0),
    ev('TicketClassified', 0, { level: 3 }),
    ev('TicketEscalated', 0, { level: 3 }),
  ];
}

describe('SLA clocks', () => {
  it('start at escalation: warning at 80 %, breach at 100 % of each target', () => {
    const timers = timersOf(foldSla(escalatedAt0()), settings);
    expect(Object.fromEntries(timers.map((t) => [t.kind, t.dueAt]))).toEqual({
      'first_response:warning': at(8),
      'first_response:breach': at(10),
      'resolution:warning': at(80),
      'resolution:breach': at(100),
    });
  });
  it('stop the first-response clock at the first public reply', () => {
    const events = [
      ...escalatedAt0(),
      ev('TicketClaimed', 1, { agent: 'a' }),
      ev('AgentReplied', 2, { body: 'hi' }),
    ];
    expect(timersOf(foldSla(events), settings).map((t) => t.kind)).toEqual([
      'resolution:warning',
      'resolution:breach',
    ]);
  });
  it('pause while waiting on the requester and resume where they stopped', () => {
    const events = [
      ...escalatedAt0(),
      ev('TicketClaimed', 10, { agent: 'a' }),
      ev('WorkStarted', 10),
      ev('TicketPutOnHold', 20, { message: '?' }),
    ];
    expect(timersOf(foldSla(events), settings)).toEqual([]); // paused: nothing can fall due
    const resumed = [...events, ev('RequesterReplied', 500, { body: '!' })];
    // 20 minutes used before the pause: the resolution breach is 80 minutes after the reply.
    expect(
      timersOf(foldSla(resumed), settings).find((t) => t.kind === 'resolution:breach')?.dueAt,
    ).toBe(at(580));
  });
  it('emit only the breach when warning and breach are both overdue', () => {
    const due = dueEvents(foldSla(escalatedAt0()), settings, new Date(at(11)));
    expect(due).toEqual([
      {
        type: 'SlaBreached',
        data: { clock: 'first_response', level: 3, targetMinutes: 10, dueAt: at(10) },
      },
    ]);
  });
  it('use the new level target after a re-level', () => {
    const events = [...escalatedAt0(), ev('TicketRelevelled', 5, { from: 3, to: 2, reason: 'x' })];
    expect(
      timersOf(foldSla(events), settings).find((t) => t.kind === 'first_response:breach')?.dueAt,
    ).toBe(at(30));
  });
  it('schedule the auto-close of a resolved ticket', () => {
    const events = [
      ...escalatedAt0(),
      ev('TicketClaimed', 1, { agent: 'a' }),
      ev('WorkStarted', 1),
      ev('TicketResolved', 60, { resolution: 'ok', reopenUntil: at(9999) }),
    ];
    expect(timersOf(foldSla(events), settings)).toEqual([
      { kind: 'auto_close', dueAt: at(60 + 24 * 60) },
    ]);
  });
});
