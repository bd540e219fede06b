import { Router } from 'express';
import { z } from 'zod';
import type { Access, Principal } from '../auth/index.ts';
import { erasureBases, type ErasureResult, type PersonalDataExport } from '../privacy/index.ts';
import { enforce, principalOf } from './auth.ts';
import { parse } from './validate.ts';
import { erasureSchema, personalDataExportSchema, type Sent } from './responses.ts';

export const erasureBody = z
  .object({
    email: z.email().max(254),
    basis: z.enum(erasureBases).default('data_subject_request'),
  })
  .strict();
export const exportBody = z.object({ email: z.email().max(254) }).strict();

/** Erasure and access (docs/privacy.md): admins only; the address travels in the body, never the URL. */
export function canManagePersonalData(p: Principal): Access {
  if (p.kind === 'anonymous') return 'unauthenticated';
  return p.role === 'admin' ? 'ok' : 'forbidden';
}

export interface PrivacyRoutesDeps {
  erase(request: {
    email: string;
    basis: z.infer<typeof erasureBody>['basis'];
    actor: { id: string; role: 'admin' };
    requestId?: string | undefined;
  }): Promise<ErasureResult>;
  export(email: string): Promise<PersonalDataExport>;
  /** Brings read models up to date first, so the purge finds every row already projected. */
  catchUp: () => Promise<void>;
}

export function privacyRoutes(deps: PrivacyRoutesDeps): Router {
  const router = Router();
  router.post('/privacy/erasures', async (req, res) => {
    const principal = principalOf(res);
    enforce(canManagePersonalData(principal), 'erasure');
    const body = parse(erasureBody, req.body, 'body');
    await deps.catchUp();
    const result = await deps.erase({
      ...body,
      actor: { id: principal.kind === 'user' ? principal.email : 'anonymous', role: 'admin' },
      requestId: String(req.id),
    });
    res.json(result satisfies Sent<typeof erasureSchema>);
  });
  router.post('/privacy/exports', async (req, res) => {
    enforce(canManagePersonalData(principalOf(res)), 'personal data exports');
    const { email } = parse(exportBody, req.body, 'body');
    await deps.catchUp();
    const sent: Sent<typeof personalDataExportSchema> = await deps.export(email);
    res.json(sent);
  });
  return router;
}
