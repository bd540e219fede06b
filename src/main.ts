import { pino } from 'pino';
import { loadConfig } from './config/index.ts';
import { createTicketflow } from './server/index.ts';

const config = loadConfig();
const logger = pino({ level: config.LOG_LEVEL, base: { service: 'ticketflow' } });

const ticketflow = await createTicketflow(config, logger);
const server = ticketflow.app.listen(config.PORT, config.HOST, () => {
  logger.info(
    { port: config.PORT, database: ticketflow.db.kind, model: ticketflow.llm.name },
    `ticketflow listening on http://localhost:${config.PORT}`,
  );
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  // Stop taking requests, let running ones finish, then stop the workers and close the database.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), 10_000);
  force.unref();
  await closed;
  await ticketflow.stop();
  logger.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
