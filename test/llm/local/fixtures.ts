import type { TrainingRow } from '../../../src/llm/local/index.ts';

/** A small, separable toy set: account/how-to = 1, business apps = 2, outages = 3. */
export function toyRows(): TrainingRow[] {
  const l1 = [
    'password reset',
    'forgot my password',
    'account locked out',
    'printer not printing',
    'outlook password prompt',
    'how to map network drive',
    'reset my login',
    'unlock my account',
  ];
  const l2 = [
    'invoice report wrong totals',
    'crm field missing in sales form',
    'erp posting rule change',
    'new report in the finance dashboard',
    'order entry screen shows wrong price',
    'vendor master data change',
    'sales dashboard filter broken',
    'payroll export format change',
  ];
  const l3 = [
    'production server down',
    'datacenter network outage',
    'nightly batch job failed',
    'database not responding',
    'firewall blocking all traffic',
    'backup job failed on server',
    'all servers unreachable',
    'security incident malware on server',
  ];
  const rows: TrainingRow[] = [];
  const suffixes = ['', ' please help', ' since this morning', ' urgent', ' for user hr_tool #123'];
  for (const [level, phrases] of [
    [1, l1],
    [2, l2],
    [3, l3],
  ] as const) {
    for (const p of phrases)
      for (const s of suffixes)
        rows.push({ subject: p, description: `${p}${s}`, level, category: `cat${level}` });
  }
  return rows;
}
