export { collectTickets, type ExportFilter, type ExportedTicket } from './collect.ts';
export { xesDocument, xmlText } from './xes.ts';
export { ocelDocument, type OcelLog } from './ocel.ts';
