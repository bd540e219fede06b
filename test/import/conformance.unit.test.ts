import { describe, expect, it } from 'vitest';
import { importedTicketId, mappings, replayCase, type LogCase } from '../../src/import/index.ts';

const week = 168 * 3_600_000;
const ctx = {
  format: 'helpdesk' as const,
  ticketId: importedTicketId('0'.repeat(64), 'c'),
  reopenWindowMs: week,
};
const at = (minute: number) => new Date(Date.UTC(2010, 0, 1, 8, minute)).toISOString();
const helpdeskCase = (...activities: string[]): LogCase => ({
  caseId: 'c',
  rows: activities.map((activity, i) => ({
    line: i + 2,
    caseId: 'c',
    activity,
    at: at(i),
    resource: 'value 1',
    team: null,
    supportLine: null,
  })),
  level: 1,
  category: 'helpdesk',
  requester: null,
  openedAt: at(0),
});
const replay = (c: LogCase) => replayCase(c, mappings.helpdesk.stepsOf, ctx, 'test.csv');

describe('the ticket machine as a conformance checker', () => {
  it('accepts a case that follows the lifecycle, with each row as its commands', () => {
    const r = replay(
      helpdeskCase(
        'Assign seriousness',
        'Take in charge ticket',
        'Wait',
        'Take in charge ticket',
        'Resolve ticket',
        'Closed',
      ),
    );
    expect(r.refused).toBeNull();
    expect(r.events.map((e) => e.event.type)).toEqual([
      'TicketReceived',
      'ClassificationStarted',
      'TicketClassified',
      'TicketEscalated',
      'InternalNoteAdded',
      'TicketClaimed',
      'WorkStarted',
      'TicketPutOnHold',
      'WorkStarted',
      'TicketResolved',
      'TicketClosed',
    ]);
    // Original timestamps, and the rows each event stands for.
    expect(r.events.at(-1)).toMatchObject({ at: at(5), rows: [7], activities: ['Closed'] });
  });

  it('refuses a resolution nobody took in charge, and says in which state', () => {
    const r = replay(helpdeskCase('Assign seriousness', 'Resolve ticket', 'Closed'));
    expect(r.refused).toMatchObject({
      line: 3,
      activity: 'Resolve ticket',
      status: 'escalated',
      command: 'resolve',
    });
    expect(r.acceptedRows).toBe(1);
    expect(r.events.at(-1)!.event.type).toBe('InternalNoteAdded');
  });

  it('reopens within the window and refuses a reopening after it', () => {
    const late = helpdeskCase(
      'Take in charge ticket',
      'Resolve ticket',
      'Closed',
      'Take in charge ticket',
    );
    late.rows[3]!.at = new Date(Date.parse(at(2)) + 2 * week).toISOString();
    expect(replay(late).refused).toMatchObject({ status: 'closed', command: 'reopen' });
    const soon = replay(
      helpdeskCase('Take in charge ticket', 'Resolve ticket', 'Closed', 'Take in charge ticket'),
    );
    expect(soon.refused).toBeNull();
    expect(soon.events.map((e) => e.event.type)).toContain('TicketReopened');
  });
});
