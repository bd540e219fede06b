import { describe, expect, it } from 'vitest';
import { articleSections, loadKnowledgeBase, searchableText } from '../../src/kb/index.ts';
import { draftGroundedAnswer, ModelError } from '../../src/llm/index.ts';
import { createLocalModel } from '../../src/llm/local/index.ts';

// The knowledge base that ships in kb/: what the local model answers from.
const kb = await loadKnowledgeBase('kb');

/** Tickets as requesters write them, and the article that should answer each. */
const routes: Array<[string, string]> = [
  ['I forgot my password', 'password-reset'],
  ['vpn not connecting', 'vpn-connect'],
  ['printer not printing', 'printer-not-printing'],
  ['outlook does not open', 'outlook-not-opening'],
  ['my account is locked', 'account-lockout'],
  ['password expired', 'password-expired-change'],
  ['sap user locked', 'sap-account-unlock'],
  ['reset my sap password', 'sap-password-reset'],
  ['outlook not receiving emails', 'outlook-not-syncing'],
  ['teams camera not working', 'teams-audio-camera'],
  ['cannot join teams meeting', 'teams-meeting-join'],
  ['skype will not sign in', 'teams-skype-sign-in'],
  ['wifi not working', 'wifi-corporate-connect'],
  ['laptop is very slow', 'laptop-slow-performance'],
  ['need access to sharepoint site', 'sharepoint-access-request'],
  ['install software', 'software-install-company-portal'],
  ['onedrive not syncing', 'onedrive-sync'],
  ['mailbox full', 'mailbox-full'],
  ['set up email on my iphone', 'mobile-email-setup'],
  ['network drive missing', 'map-network-drive'],
  ['restore a deleted file', 'file-restore-recycle-bin'],
  ['phishing email received', 'phishing-email-report'],
  ['paper jam in printer', 'printer-paper-jam-toner'],
  ['second monitor no signal on docking station', 'monitor-docking-station'],
  ['new phone for mfa', 'mfa-new-or-lost-phone'],
  ['what is the status of my ticket', 'ticket-status-update'],
  ['cannot log in to the engineering tool', 'business-app-login'],
  ['unable to log in to the collaboration platform', 'collaboration-platform-sign-in'],
  ['crm add-in missing in outlook', 'office-add-in-missing'],
  ['erp is very slow today', 'sap-slow-or-not-starting'],
  ['pdf does not open in the browser', 'browser-plugin-pdf'],
  ['infopath form will not submit', 'infopath-form-submit'],
  ['mobile device activation for company email', 'mobile-device-activation'],
  ['laptop shows a blue screen and does not boot', 'computer-no-boot-blue-screen'],
  ['outlook keeps freezing', 'outlook-slow-freezing'],
  ['unable to view my payslip', 'hr-self-service-portal'],
  ['cannot submit expense report', 'expense-report'],
  ['laptop speakers no sound', 'laptop-no-sound'],
  // German, as part of the tickets are.
  ['passwort vergessen', 'password-reset'],
  ['konto gesperrt', 'account-lockout'],
  ['drucker druckt nicht', 'printer-not-printing'],
  ['outlook startet nicht', 'outlook-not-opening'],
  ['vpn funktioniert nicht', 'vpn-connect'],
  // Mailed and web-form tickets: the header and form fields must not pick the article.
  ['received from: ann.smith@example.com\r\n\r\nhi\r\n\r\ni cannot log on to vpn\r\n\r\nbest', 'vpn-connect'],
  [
    'name:ann smith\nlanguage:\nbrowser:microsoft internet explorer\nemail:ann.smith@example.com\ncustomer number:\nsummary:my outlook does not open',
    'outlook-not-opening',
  ],
];

describe('the shipped knowledge base (kb/)', () => {
  it('has at least 30 first-level articles, each with a title, tags and numbered steps', () => {
    const articles = kb.all();
    expect(articles.length).toBeGreaterThanOrEqual(30);
    for (const a of articles) {
      expect(a.title.length, a.id).toBeGreaterThan(5);
      expect(a.tags.length, a.id).toBeGreaterThan(0);
      const steps = articleSections(a.body).filter((s) => /^\s*1[.)]\s/m.test(s.text));
      expect(steps.length, `${a.id} has a numbered procedure`).toBeGreaterThan(0);
    }
  });

  it.each(routes)('answers "%s" from %s', async (ticket, article) => {
    const [top] = await kb.search(ticket, 3);
    expect(top?.id).toBe(article);
  });

  it('grounds no answer for phone logs and requests it has no procedure for', async () => {
    const model = createLocalModel({ knowledgeBase: kb });
    for (const ticket of [
      'blank call',
      'call for ann smith',
      'the quarterly sales forecast has a wrong VAT rate',
      'job failed status update',
    ]) {
      const error = await draftGroundedAnswer(model, kb, { description: ticket }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, ticket).toBeInstanceOf(ModelError);
      expect((error as ModelError).reason, ticket).toBe('no_grounding');
    }
  });
});

describe('searchableText', () => {
  it('drops mail headers, form fields about the sender, addresses and links', () => {
    expect(
      searchableText(
        'received from: ann@example.com\nname:ann\nbrowser:edge\nemail:ann@example.com\nsummary:vpn drops, see https://x.example.com/a',
      ),
    ).toBe('summary:vpn drops, see');
  });

  it('keeps an ordinary ticket as it is, apart from spacing', () => {
    expect(searchableText('Outlook  does not open\r\nsince the update')).toBe(
      'Outlook does not open since the update',
    );
  });

  it('keeps lines that only look like a header or a form field', () => {
    expect(searchableText('Email: Outlook keeps asking for password')).toBe(
      'Email: Outlook keeps asking for password',
    );
    expect(searchableText('Phone: no dial tone')).toBe('Phone: no dial tone');
    expect(searchableText('From: today on, SAP login fails')).toBe(
      'From: today on, SAP login fails',
    );
  });

  it('drops the header block of a forwarded mail but not its subject', () => {
    expect(
      searchableText(
        'from: ann smith <ann@example.com>\nsent: monday, august 22, 2016 3:21 pm\nsubject: vpn token expired',
      ),
    ).toBe('subject: vpn token expired');
  });
});
