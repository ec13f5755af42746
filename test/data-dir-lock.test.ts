// The embedded database's directory lock after a crash: a holder that was killed but not yet reaped
// (a zombie, what a process manager restarting at once leaves behind) or whose pid now belongs to
// another program does not hold the lock, so the restart succeeds at once.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { projectRoot } from '../src/db/schema-engine.js';
import { testLogger } from './helpers/database.js';
import { spawnServer } from './helpers/process.js';
import { TEST_JWT_SECRET, testConfig } from './helpers/server.js';

const config = testConfig();
const hasProc = fs.existsSync('/proc/self/stat');

function procState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

function tempDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-lock-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe.skipIf(!hasProc)('the data-directory lock after a crash', () => {
  it('a SIGKILLed holder left as a zombie does not hold the lock: a server started within 100 ms is ready', async () => {
    const dataDir = tempDataDir();
    // The server's parent is `sleep` (the shell execs it), which never reaps it: once killed, it stays a zombie.
    const group = spawn('sh', ['-c', `"${process.execPath}" --import tsx src/main.ts & echo "pid $!"; exec sleep 600`], {
      cwd: projectRoot,
      detached: true,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        LOG_FILE: '',
        JWT_SECRET: TEST_JWT_SECRET,
        REFRESH_INTERVAL_SECONDS: '0',
        DATABASE_URL: '',
        DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    onTestFinished(() => {
      try {
        process.kill(-group.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    });
    const serverPid = await new Promise<number>((resolve, reject) => {
      let pid = 0;
      const timer = setTimeout(() => reject(new Error('the first server did not start')), 90_000);
      readline.createInterface({ input: group.stdout! }).on('line', (line) => {
        if (line.startsWith('pid ')) pid = Number(line.slice(4));
        if (pid && line.includes('Switchboard listening')) {
          clearTimeout(timer);
          resolve(pid);
        }
      });
    });
    expect(fs.existsSync(path.join(dataDir, 'pglite.lock'))).toBe(true);

    process.kill(serverPid, 'SIGKILL');
    await vi.waitFor(() => expect(procState(serverPid)).toBe('Z'), { timeout: 5_000, interval: 5 });
    const killedAt = performance.now();
    const restarted = spawnServer({ DATABASE_URL: '', DATA_DIR: dataDir });
    expect(performance.now() - killedAt).toBeLessThan(100);
    const server = await restarted;
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    // The zombie is still there: it was not waited out.
    expect(procState(serverPid)).toBe('Z');
  }, 120_000);

  it('a holder pid now used by another program (another start time) does not hold the lock; the same program does', async () => {
    const dataDir = tempDataDir();
    const other = spawn('sleep', ['600'], { stdio: 'ignore' });
    onTestFinished(() => void other.kill('SIGKILL'));
    const stat = fs.readFileSync(`/proc/${other.pid}/stat`, 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    const lockDir = path.join(dataDir, 'pglite.lock');
    const writeHolder = (startTime: string) => {
      fs.mkdirSync(lockDir, { recursive: true });
      // A fresh lock: not stale, so only the holder check can free it.
      fs.utimesSync(lockDir, new Date(), new Date());
      fs.writeFileSync(`${lockDir}-holder`, `${os.hostname()} ${other.pid} previous-token ${startTime}`);
    };
    const open = () => openDatabase({ ...config.database, url: undefined, dataDir }, { logger: testLogger });

    // The holder file names this very process (same start time): the lock holds.
    writeHolder(start!);
    expect(open).toThrow(/is in use by another Switchboard process/);

    // The pid was reused: the process running under it started at another time.
    writeHolder(String(Number(start) - 1));
    const database = open();
    await database.close();
  });
});
