import { answerClientErrors } from './api/index.ts';
import { loadConfig } from './config/index.ts';
import { createTicketflow } from './server/index.ts';
import { createLogger } from './log/index.ts';
import { createHttpServer } from './server/httpServer.ts';

const config = loadConfig();
const logger = createLogger(config);

const ticketflow = await createTicketflow(config, logger);
const http = createHttpServer(ticketflow.app, {
  port: config.PORT,
  host: config.HOST,
  requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
  headersTimeoutMs: config.HEADERS_TIMEOUT_MS,
  maxWaitSeconds: config.MAX_WAIT_SECONDS,
});
await http.listen();
answerClientErrors(http.server);
logger.info(
  { port: config.PORT, database: ticketflow.db.kind, model: ticketflow.llm.name },
  `ticketflow listening on http://${config.HOST}:${config.PORT}`,
);

/**
 * SIGTERM/SIGINT (docs/operations.md): refuse new requests at once (503, `Connection: close`),
 * let those in flight finish within half the deadline, leave model calls to the next process
 * (the ticket is durable and resumed), stop the workers and the database, and exit. Whatever
 * hangs, the process exits at 90% of SHUTDOWN_TIMEOUT_MS, before an orchestrator's SIGKILL.
 */
let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  const started = Date.now();
  const timeoutMs = config.SHUTDOWN_TIMEOUT_MS;
  setTimeout(() => {
    logger.error({ signal, afterMs: Date.now() - started }, 'shutdown deadline: exiting now');
    process.exit(1);
  }, timeoutMs * 0.9).unref();
  logger.info({ signal }, 'shutting down');
  http.drain();
  // Not awaited here: it releases requests waiting (`Prefer: wait`) on a model call at once.
  const workflowStopped = ticketflow.workflow.stop();
  const settled = await http.settled(started + timeoutMs * 0.5);
  if (!settled) logger.warn('requests still running at the drain deadline: answered 503');
  await http.close(Math.max(0, Math.min(1000, started + timeoutMs * 0.6 - Date.now())));
  await workflowStopped;
  await ticketflow.stop();
  logger.info({ afterMs: Date.now() - started }, 'stopped');
  process.exit(0);
}
const onSignal = (signal: string) =>
  shutdown(signal).catch((error: unknown) => {
    logger.error({ err: error }, 'shutdown failed');
    process.exit(1);
  });
process.on('SIGTERM', () => void onSignal('SIGTERM'));
process.on('SIGINT', () => void onSignal('SIGINT'));
