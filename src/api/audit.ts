import { Router } from 'express';
import type { Database } from '../db/index.ts';
import { buildProofBundle, cosignaturesOf, latestCheckpoint } from '../audit/index.ts';
import { ticketStreamId } from '../events/index.ts';
import { sendProblem } from './problem.ts';
import { ticketIdParam } from './schemas.ts';
import { parse } from './validate.ts';

/**
 * The audit log (docs/audit.md), for auditors (the caller mounts the access rule):
 * GET /api/audit/checkpoint: the newest signed checkpoint, a C2SP signed note (text/plain), with
 *   the cosignatures of any witness appended as further signature lines (c2sp.org/tlog-witness);
 * GET /api/audit/tickets/:id/proof: the ticket's proof bundle, to verify offline.
 */
export function auditRoutes(deps: { db: Database }): Router {
  const router = Router();
  router.get('/audit/checkpoint', async (_req, res) => {
    const checkpoint = await latestCheckpoint(deps.db);
    if (!checkpoint)
      return sendProblem(res, {
        title: 'No checkpoint yet',
        status: 404,
        detail: 'the sequencer has not signed a checkpoint (is AUDIT_SIGNING_KEY configured?)',
      });
    const cosignatures = await cosignaturesOf(deps.db, checkpoint.size);
    const lines = cosignatures.map((line) => `${line}\n`).join('');
    res.type('text/plain; charset=utf-8').send(`${checkpoint.note}${lines}`);
  });
  router.get('/audit/tickets/:id/proof', async (req, res) => {
    const { id } = parse(ticketIdParam, req.params, 'path');
    const bundle = await buildProofBundle(deps.db, ticketStreamId(id));
    if (!bundle)
      return sendProblem(res, { title: 'Not found', status: 404, detail: `no ticket ${id}` });
    res.json(bundle);
  });
  return router;
}
