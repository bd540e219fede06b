/**
 * Setup of the unit tier (vitest.config.ts): a unit test opens no socket and starts no process.
 * Rather than trust each file's imports, the tier refuses them: listening, connecting (PostgreSQL,
 * HTTP, gRPC) and spawning throw. PGlite needs no socket, but the unit tier has no PGlite dump
 * (no globalSetup), so `openTestDatabase` fails there too.
 */
import { ChildProcess } from 'node:child_process';
import net from 'node:net';

const refuse = (what: string) => () => {
  throw new Error(
    `a unit test may not ${what}: name the file *.int.test.ts (or *.e2e.test.ts for processes)`,
  );
};

net.Server.prototype.listen = refuse('listen on a socket');
net.Socket.prototype.connect = refuse('open a connection');
// spawn, exec, execFile and fork all start their child through this (untyped) method.
Object.defineProperty(ChildProcess.prototype, 'spawn', { value: refuse('start a process') });
