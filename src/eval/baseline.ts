/**
 * A keyword-rule baseline for the support level, the kind of rule set a help desk writes by
 * hand before it has a model: outage and infrastructure words mean level 3, standard first-level
 * topics mean level 1, everything else level 2.
 */
const LEVEL3 =
  /\b(down|outage|not responding|unreachable|crash(ed)?|failed|failure|abend|job|batch|scheduler|server|datacenter|data center|network|switch|router|firewall|security|virus|malware|phishing|breach|backup|database|db|disk full|production|all users|everyone)\b/;
const LEVEL1 =
  /\b(password|passwort|reset|unlock|locked|login|log in|sign in|account|outlook|email|e-mail|mailbox|printer|print|vpn|wifi|wi-fi|teams|skype|calendar|how (do|can|to)|install|access|mfa|authenticator)\b/;

export function keywordLevel(
  subject: string | undefined,
  description: string,
): { level: 1 | 2 | 3; confidence: number } {
  const text = `${subject ?? ''} ${description}`.toLowerCase();
  if (LEVEL3.test(text)) return { level: 3, confidence: 0.6 };
  if (LEVEL1.test(text)) return { level: 1, confidence: 0.8 };
  return { level: 2, confidence: 0.4 };
}
