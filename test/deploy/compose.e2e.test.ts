import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';

const root = new URL('../..', import.meta.url).pathname;

/**
 * `docker-compose config` (Debian's docker-compose 1.29, which .ci/run installs) validates a
 * Compose file against the Compose specification's schema and prints it resolved, without a
 * Docker engine. Where it is not installed the file is skipped, unless REQUIRE_COMPOSE_CHECK is
 * set (CI sets it), where that is a failure.
 */
function composeConfig(file: string) {
  // Only PATH: variables such as PORT or LLM in the caller's environment must not change the file.
  return spawnSync('docker-compose', ['-f', file, 'config'], {
    cwd: path.dirname(file),
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
  });
}
const installed = !composeConfig(path.join(root, 'compose.yaml')).error;
if (!installed && process.env.REQUIRE_COMPOSE_CHECK) {
  throw new Error('docker-compose is not installed (apt-get install docker-compose)');
}

const volumeMount = z.union([
  z.string().transform((s) => ({ source: s.split(':')[0]!, type: 'volume' })),
  z.object({ type: z.string(), source: z.string() }),
]);
const service = z.object({
  environment: z.record(z.string(), z.string().nullable()).optional(),
  healthcheck: z
    .object({ test: z.array(z.string()).min(1), disable: z.boolean().optional() })
    .optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
  command: z.array(z.string()).optional(),
  restart: z.string().optional(),
  volumes: z.array(volumeMount).optional(),
});
const composeFile = z.object({
  services: z.record(z.string(), service),
  volumes: z.record(z.string(), z.unknown().nullable()),
});

describe.skipIf(!installed)('compose.yaml (docker-compose config, no Docker engine)', () => {
  it('is valid, and runs the product as docs/deployment.md says', () => {
    const result = composeConfig(path.join(root, 'compose.yaml'));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const { services, volumes } = composeFile.parse(parse(result.stdout));

    // Inside a container the app must listen on every interface, or the published port is dead.
    expect(services.app?.environment?.HOST).toBe('0.0.0.0');

    // One-shot services: what another service waits to have completed successfully.
    const oneShot = new Set(
      Object.values(services).flatMap((s) =>
        Object.entries(s.depends_on ?? {}).flatMap(([name, d]) =>
          d.condition === 'service_completed_successfully' ? [name] : [],
        ),
      ),
    );
    for (const [name, s] of Object.entries(services)) {
      if (oneShot.has(name)) {
        expect(s.restart, `${name} runs once`).toBe('no');
      } else {
        expect(s.healthcheck?.test.length, `${name} has a health check`).toBeGreaterThan(0);
        expect(s.healthcheck?.disable, `${name}'s health check is on`).not.toBe(true);
      }
      // Data lives in named volumes, declared at the top level, never in a host directory.
      for (const mount of s.volumes ?? []) {
        expect(mount.type, `${name} mounts ${mount.source}`).toBe('volume');
        expect(Object.keys(volumes), `${name} mounts ${mount.source}`).toContain(mount.source);
      }
    }

    // The model is pulled before the app starts, by a service that exits when it is done.
    const pull = [...oneShot].find((name) => services[name]?.command?.includes('pull'));
    expect(pull).toBeDefined();
    expect(services[pull!]?.command).toContain(services.app?.environment?.OLLAMA_MODEL);
    expect(services[pull!]?.depends_on?.ollama?.condition).toBe('service_healthy');
    expect(services.app?.depends_on?.[pull!]?.condition).toBe('service_completed_successfully');
    expect(services.app?.depends_on?.postgres?.condition).toBe('service_healthy');
  });

  it('is checked for real: a file the specification forbids is refused', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ticketflow-compose-'));
    try {
      const broken = (await readFile(path.join(root, 'compose.yaml'), 'utf8')).replace(
        'condition: service_completed_successfully',
        'condition: service_finished',
      );
      const file = path.join(dir, 'compose.yaml');
      await writeFile(file, broken);
      const result = composeConfig(file);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/condition/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
