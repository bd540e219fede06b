import type { ExportedTicket } from './collect.ts';

/** XML attribute text: the five characters XML reserves, and control characters dropped. */
export const xmlText = (text: string): string =>
  text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

const attr = (kind: 'string' | 'date' | 'int', key: string, value: string | number) =>
  `<${kind} key="${xmlText(key)}" value="${xmlText(String(value))}"/>`;

const header = `<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
  <global scope="trace">
    <string key="concept:name" value="__INVALID__"/>
  </global>
  <global scope="event">
    <string key="concept:name" value="__INVALID__"/>
    <date key="time:timestamp" value="1970-01-01T00:00:00.000Z"/>
    <string key="lifecycle:transition" value="complete"/>
  </global>
  <classifier name="Activity" keys="concept:name"/>
  <string key="concept:name" value="ticketflow"/>
`;

/**
 * The tickets as an XES log (IEEE 1849-2016), for ProM and pm4py: one trace per ticket, one event
 * per stored event (activity = event type), with its time, who caused it (`org:resource`,
 * `org:role`) and the ticket's level after it. Yields the document in pieces (streams to a file).
 */
export function* xesDocument(tickets: readonly ExportedTicket[]): Generator<string> {
  yield header;
  for (const ticket of tickets) {
    const parts = [`  <trace>\n    ${attr('string', 'concept:name', ticket.id)}\n`];
    const origin = ticket.events[0]!.metadata.import;
    if (origin) {
      parts.push(
        `    ${attr('string', 'ticketflow:source', `${origin.format} case ${origin.case}`)}\n`,
      );
    }
    ticket.events.forEach((event, i) => {
      const level = ticket.levels[i];
      parts.push(
        `    <event>${attr('string', 'concept:name', event.type)}${attr('date', 'time:timestamp', event.timestamp)}` +
          `${attr('string', 'lifecycle:transition', 'complete')}${attr('string', 'org:resource', event.metadata.actor.id)}` +
          `${attr('string', 'org:role', event.metadata.actor.role)}${attr('int', 'ticketflow:version', event.version)}` +
          `${level ? attr('int', 'ticketflow:level', level) : ''}</event>\n`,
      );
    });
    parts.push('  </trace>\n');
    yield parts.join('');
  }
  yield '</log>\n';
}
