import type supertest from 'supertest';

/** A browser's web-UI session as a test holds it: its cookies and the CSRF token of its forms. */
export interface WebSession {
  cookie: string;
  csrf: string;
}

const cookiesOf = (res: { headers: Record<string, unknown> }) =>
  ([] as string[])
    .concat((res.headers['set-cookie'] as string[] | undefined) ?? [])
    .map((c) => c.split(';')[0]!);

const csrfOf = (html: string) => /name="_csrf"\s+value="([^"]+)"/.exec(html)?.[1] ?? '';

/**
 * Opens a session through the sign-in form with `token` (none: an anonymous visitor). A token
 * that does not work leaves an anonymous visitor, as in a browser.
 */
export async function webSession(
  http: ReturnType<typeof supertest>,
  token?: string,
): Promise<WebSession> {
  const first = await http.get('/signin');
  let cookies = cookiesOf(first);
  let csrf = csrfOf(first.text);
  if (token) {
    const signedIn = await http
      .post('/signin')
      .set('Cookie', cookies.join('; '))
      .type('form')
      .send({ _csrf: csrf, token });
    cookies = [...cookies, ...cookiesOf(signedIn)];
    // The session's own CSRF token, from any page with a form.
    csrf = csrfOf((await http.get('/signin').set('Cookie', cookies.join('; '))).text);
  }
  return { cookie: cookies.join('; '), csrf };
}
