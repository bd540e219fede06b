export {
  createTicketflow,
  openEventStore,
  type Ticketflow,
  type TicketflowOverrides,
} from './ticketflow.ts';
export { openDatabase, allMigrations } from './database.ts';
