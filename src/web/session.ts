import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Migration, SqlExecutor } from '../db/index.ts';
import { anonymous, hashToken, principalForTokenHash, type Principal } from '../auth/index.ts';

/**
 * Web sessions are server-side rows. The browser holds only a random 256-bit session id in an
 * HttpOnly, SameSite=Strict cookie (Secure unless WEB_COOKIE_SECURE=false); the table holds the
 * SHA-256 of that id and of the API token it was opened with, never either secret. Revoking the
 * token (or the role) ends every session opened with it, because each request looks the
 * principal up through the token's hash as the API does.
 */
export const webSessionMigrations: Migration[] = [
  {
    id: '120_web_sessions',
    statements: [
      `CREATE TABLE tf_web_sessions (
        id_hash text PRIMARY KEY,
        token_hash text NOT NULL,
        csrf text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`,
      `CREATE INDEX tf_web_sessions_expiry ON tf_web_sessions (expires_at)`,
    ],
  },
];

export interface WebSession {
  /** A synchronizer token every form of the session carries (CSRF). */
  csrf: string;
}

export interface CookieSettings {
  secure: boolean;
  /** How long a session lasts from sign-in (absolute, not sliding). */
  maxAgeSeconds: number;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const randomId = () => randomBytes(32).toString('base64url');

/** `__Host-` pins a cookie to this host, path `/`, Secure: only possible over HTTPS. */
export const cookieNames = (secure: boolean) => ({
  session: secure ? '__Host-tf_session' : 'tf_session',
  csrf: secure ? '__Host-tf_csrf' : 'tf_csrf',
});

export function readCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at < 1) continue;
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    if (/^[\w-]{1,100}$/.test(value) && !cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

function setCookie(
  res: Response,
  name: string,
  value: string,
  settings: CookieSettings,
  maxAge?: number,
) {
  res.cookie(name, value, {
    httpOnly: true,
    secure: settings.secure,
    sameSite: 'strict',
    path: '/',
    ...(maxAge !== undefined ? { maxAge: maxAge * 1000 } : {}),
  });
}

export function createSessionStore(db: SqlExecutor, settings: CookieSettings) {
  const names = cookieNames(settings.secure);

  async function open(res: Response, token: string): Promise<Principal | null> {
    const tokenHash = hashToken(token);
    const principal = await principalForTokenHash(db, tokenHash);
    if (!principal) return null;
    const id = randomId();
    await db.query(
      `INSERT INTO tf_web_sessions (id_hash, token_hash, csrf, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [sha256(id), tokenHash, randomId(), settings.maxAgeSeconds],
    );
    // Expired rows go when someone signs in: no timer needed.
    await db.query(`DELETE FROM tf_web_sessions WHERE expires_at < now()`);
    setCookie(res, names.session, id, settings, settings.maxAgeSeconds);
    return principal;
  }

  async function close(req: Request, res: Response): Promise<void> {
    const id = readCookies(req.get('cookie')).get(names.session);
    if (id) await db.query(`DELETE FROM tf_web_sessions WHERE id_hash = $1`, [sha256(id)]);
    res.clearCookie(names.session, {
      httpOnly: true,
      secure: settings.secure,
      sameSite: 'strict',
      path: '/',
    });
  }

  /**
   * Who the browser is: the session's principal, or anonymous. Anonymous visitors get a random
   * CSRF cookie instead (double submit), so the no-login ticket form is protected too.
   */
  const middleware: RequestHandler = async (req, res, next) => {
    const cookies = readCookies(req.get('cookie'));
    const id = cookies.get(names.session);
    let principal: Principal = anonymous;
    let csrf: string | undefined;
    if (id) {
      const { rows } = await db.query<{ token_hash: string; csrf: string }>(
        `SELECT token_hash, csrf FROM tf_web_sessions WHERE id_hash = $1 AND expires_at > now()`,
        [sha256(id)],
      );
      const row = rows[0];
      const found = row ? await principalForTokenHash(db, row.token_hash) : null;
      if (row && found) {
        principal = found;
        csrf = row.csrf;
      }
    }
    if (!csrf) {
      csrf = cookies.get(names.csrf);
      if (!csrf) {
        csrf = randomId();
        setCookie(res, names.csrf, csrf, settings);
      }
    }
    res.locals.principal = principal;
    res.locals.webSession = { csrf } satisfies WebSession;
    next();
  };

  return { open, close, middleware };
}

export type SessionStore = ReturnType<typeof createSessionStore>;

export const sessionOf = (res: Response): WebSession =>
  (res.locals.webSession as WebSession | undefined) ?? { csrf: '' };

/** The form's `_csrf` equals the session's token (constant-time). */
export function csrfValid(res: Response, submitted: unknown): boolean {
  const expected = sessionOf(res).csrf;
  if (typeof submitted !== 'string' || !expected || submitted.length !== expected.length)
    return false;
  return timingSafeEqual(Buffer.from(submitted), Buffer.from(expected));
}
