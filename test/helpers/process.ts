// A second Switchboard server in its own process (src/main.ts), on the same database: what two
// instances behind a load balancer look like.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, onTestFinished } from 'vitest';
import { projectRoot } from '../../src/db/schema-engine.js';
import { TEST_JWT_SECRET } from './server.js';

export interface ServerProcess {
  url: string;
  stop(): Promise<void>;
  /** Sends a signal (default SIGKILL: a crash, with no shutdown at all); resolves once the process has ended. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Resolves with the exit code (null when ended by a signal) once the process has ended. */
  exited: Promise<number | null>;
}

/**
 * DATA_DIR for a server process a test starts: its own embedded database, in a folder inside the test
 * file's data directory (removed with it), never the directory the test process itself holds locked.
 * On PostgreSQL the process shares the test's database (DATABASE_URL) and this changes nothing.
 */
export function childDataDir(): string {
  const parent = process.env.DATA_DIR;
  if (!parent || parent.startsWith('memory://')) return 'memory://';
  return path.join(parent, `child-${randomBytes(4).toString('hex')}`);
}

/**
 * Starts the server process (src/main.ts through tsx, or `args`); it stops when the test finishes, or
 * after the file when started outside a test. `fresh` gives it `env` only (with PATH), none of the
 * test settings: a newcomer's shell. `cwd` defaults to the checkout.
 */
export async function spawnServer(env: Record<string, string> = {}, options: { args?: string[]; fresh?: boolean; cwd?: string } = {}): Promise<ServerProcess> {
  const childEnv: Record<string, string | undefined> = options.fresh
    ? { PATH: process.env.PATH, ...env }
    : {
        ...process.env,
        NODE_ENV: 'test',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        LOG_FILE: undefined,
        JWT_SECRET: TEST_JWT_SECRET,
        REFRESH_INTERVAL_SECONDS: '0',
        DATA_DIR: childDataDir(),
        ...env,
      };
  const child = spawn(process.execPath, options.args ?? ['--import', 'tsx', path.join(projectRoot, 'src/main.ts')], {
    cwd: options.cwd ?? projectRoot,
    env: childEnv as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    });
  // Called inside a test: stopped when that test ends, pass or fail; else after the file (decided
  // now, not once it listens: a start awaited later belongs to the file). Never outlives this process.
  try {
    onTestFinished(stop);
  } catch {
    afterAll(stop);
  }
  process.once('exit', () => child.kill('SIGKILL'));
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The second server did not start:\n${output.join('')}`)), 90_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The second server exited (${code}):\n${output.join('')}`));
    });
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      try {
        const entry = JSON.parse(line) as { url?: string; msg?: string };
        if (entry.url && entry.msg?.startsWith('Switchboard listening')) {
          clearTimeout(timer);
          resolve(entry.url);
        }
      } catch {
        // not a log line
      }
    });
  });
  const kill = (signal: NodeJS.Signals = 'SIGKILL') =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  return { url, stop, kill, exited };
}
