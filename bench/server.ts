/**
 * The real server for end-to-end runs, started by bench/e2e.ts as a child process: the product's
 * composition root (`createTicketflow`) with the configuration from the environment, listening on
 * 127.0.0.1 on a free port, which it reports on stdout as `LISTENING <port>`. Stops on SIGTERM.
 */
import { pino } from 'pino';
import { loadConfig } from '../src/config/index.ts';
import { createTicketflow } from '../src/server/index.ts';

const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
const logger = pino({ level: config.LOG_LEVEL }, pino.destination(2));
// BENCH_UNSEALED=1: the baseline of the privacy codec's cost (bench/privacy.ts).
const tf = await createTicketflow(config, logger, {
  sealPersonalData: process.env.BENCH_UNSEALED !== '1',
});
const server = tf.app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`LISTENING ${port} ${tf.db.kind} ${tf.llm.name}\n`);
});
server.keepAliveTimeout = 60_000;

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  setTimeout(() => server.closeAllConnections(), 5000).unref();
  await closed;
  await tf.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
