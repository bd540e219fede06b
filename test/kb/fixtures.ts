import { parseArticle } from '../../src/kb/index.ts';
import type { KbArticle } from '../../src/llm/types.ts';

/** Knowledge-base articles for tests (the real kb/ may change). */
export const FIXTURE_ARTICLES: Record<string, string> = {
  'password-reset.md': `---
id: password-reset
title: Reset a forgotten password
category: account
tags: password, forgot, login, reset, cannot sign in
---
# Reset a forgotten password

## When this applies
You forgot your password and cannot log in.

## Steps
1. Open the self-service password portal.
2. Verify with your phone.
3. Choose a new password.

## If this does not work
Call the service desk.
`,
  'vpn-connect.md': `---
id: vpn-connect
title: Connect to the company VPN
category: network
tags: vpn, anyconnect, remote access, home office
---
# Connect to the company VPN

## Steps
1. Start the VPN client.
2. Connect to vpn.example.com and approve the MFA prompt.
`,
  'printer-not-printing.md': `---
id: printer-not-printing
title: Printer does not print
category: printing
tags: printer, print queue, stuck, offline
---
# Printer does not print

## Steps
1. Check the printer is on and online.
2. Clear the print queue.
`,
};

/** The fixture articles, parsed. */
export const fixtureArticles = (): KbArticle[] =>
  Object.entries(FIXTURE_ARTICLES).map(([name, text]) => parseArticle(text, name));
