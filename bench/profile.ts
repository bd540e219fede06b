import { readdir, readFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) return u.slice(nm + 'node_modules/'.length);
  const cwd = process.cwd() + '/';
  return u.startsWith(cwd) ? u.slice(cwd.length) : u;
}

function area(url: string): string {
  const u = shortUrl(url);
  if (u === '(native)') return '(native / GC / idle)';
  if (u.startsWith('node:')) return 'node internals';
  const m = /^(@[^/]+\/[^/]+|[^/]+)\//.exec(u);
  if (url.includes('node_modules/') && m) return m[1]!;
  const top = u.split('/').slice(0, 2).join('/');
  return top;
}

/** Self time by function and by area (package or source folder), from a V8 CPU profile. */
export function summarizeProfile(profile: CpuProfile, top = 15): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++)
    self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + (deltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0) || 1;
  const byFn = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    const key = `${functionName || '(anonymous)'} ${shortUrl(url)}${url ? `:${lineNumber + 1}` : ''}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    const a = ['(idle)', '(program)', '(garbage collector)'].includes(functionName)
      ? functionName
      : area(url);
    byArea.set(a, (byArea.get(a) ?? 0) + us);
  }
  const pct = (us: number) => `${((us / total) * 100).toFixed(1)} %`;
  // Inclusive time of the project's own functions (src/, machines/, projections/): a sample counts
  // for every project function on its stack, so callers show what they cost with all they call.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const isProject = (url: string) =>
    /\/(src|machines|projections)\//.test(url) && !url.includes('node_modules');
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)?.callFrame;
      if (!f || !isProject(f.url) || !f.functionName) continue;
      const key = `${f.functionName} ${shortUrl(f.url)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const lines = [
    `Sampled ${(total / 1e6).toFixed(1)} s of CPU profile.`,
    '',
    '| area | self time |',
    '|---|---:|',
  ];
  for (const [a, us] of [...byArea.entries()].sort((x, y) => y[1] - x[1]).slice(0, 12))
    lines.push(`| ${a} | ${pct(us)} |`);
  lines.push('', '| top functions (self time) | share |', '|---|---:|');
  for (const [f, us] of [...byFn.entries()].sort((x, y) => y[1] - x[1]).slice(0, top))
    lines.push(`| \`${f.replace(/\|/g, '\\|')}\` | ${pct(us)} |`);
  if (inclusive.size) {
    lines.push(
      '',
      '| project functions, inclusive time (with everything they call) | share |',
      '|---|---:|',
    );
    for (const [f, us] of [...inclusive.entries()].sort((x, y) => y[1] - x[1]).slice(0, top))
      lines.push(`| \`${f}\` | ${pct(us)} |`);
  }
  return lines.join('\n');
}

/** Profiles `work` in this process with the inspector. */
export async function profileInProcess<T>(
  work: () => Promise<T>,
): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    const result = await work();
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    return { result, profile };
  } finally {
    session.disconnect();
  }
}

/** The newest .cpuprofile written by `node --cpu-prof --cpu-prof-dir dir`. */
export async function readProfileDir(dir: string): Promise<CpuProfile | null> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) =>
    f.endsWith('.cpuprofile'),
  );
  if (!files.length) return null;
  // One file per thread (tsx's loader runs in a worker): keep the busiest, the main thread.
  let best: CpuProfile | null = null;
  let bestBusy = -1;
  for (const f of files) {
    const p = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as CpuProfile;
    const idle = new Set(
      p.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id),
    );
    const busy = (p.samples ?? []).filter((id) => !idle.has(id)).length;
    if (busy > bestBusy) {
      best = p;
      bestBusy = busy;
    }
  }
  return best;
}
