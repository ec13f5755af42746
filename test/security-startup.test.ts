// Issue 12 (security hardening), at start: the embedded data directory is locked to one process, and
// a keyring that cannot open the stored secrets stops the start with a message naming ENCRYPTION_KEYS
// (../shared/security-checklist.md, "HTTP surface", last item). Real server processes where it matters.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Keyring } from '../src/crypto/envelope.js';
import { openDatabase } from '../src/db/database.js';
import { projectRoot } from '../src/db/schema-engine.js';
import { checkKeyring } from '../src/domain/key-rotation.js';
import { makeIntegration } from './helpers/fixtures.js';
import { database, testLogger } from './helpers/database.js';
import { childDataDir } from './helpers/process.js';
import { testApp, testConfig } from './helpers/server.js';

const config = testConfig();

/** Runs src/main.ts until it exits by itself (or 60 s pass); returns its exit code and stderr. */
function runServerToExit(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/main.ts')], {
      cwd: projectRoot,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        LOG_FILE: '',
        JWT_SECRET: 'x'.repeat(40),
        REFRESH_INTERVAL_SECONDS: '0',
        DATA_DIR: childDataDir(),
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('security hardening: at start', () => {
  const app = testApp();

  it('locks the embedded data directory to one process: a second server exits with a message naming the directory', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-lock-'));
    // This test process holds the directory, as a running server would.
    const holder = openDatabase({ ...config.database, url: undefined, dataDir }, { logger: testLogger });
    try {
      const second = await runServerToExit({ DATABASE_URL: '', DATA_DIR: dataDir });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`The data directory ${path.join(dataDir, 'pglite')} is in use by another Switchboard process`);
      // Opened in the same process again: refused as well (the lock is not per process only).
      expect(() => openDatabase({ ...config.database, url: undefined, dataDir }, { logger: testLogger })).toThrow(/is in use/);
    } finally {
      await holder.close();
    }
    // Released on close: the directory can be opened again.
    const reopened = openDatabase({ ...config.database, url: undefined, dataDir }, { logger: testLogger });
    await reopened.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  it('finds the key ids a keyring lacks, and keys whose material does not open what their id sealed', async () => {
    await makeIntegration(app, { clientSecret: 'sealed-at-start' });
    const current = process.env.ENCRYPTION_KEYS!;
    const kid = current.split(':')[0]!;
    expect(await checkKeyring(database, Keyring.parse(current))).toEqual({ missingKids: [], wrongKids: [] });
    expect(await checkKeyring(database, Keyring.parse(Keyring.generateKeySpec('other')))).toEqual({ missingKids: [kid], wrongKids: [] });
    expect(await checkKeyring(database, Keyring.parse(Keyring.generateKeySpec(kid)))).toEqual({ missingKids: [], wrongKids: [kid] });
    // Rotation as documented: a new first key, the old one kept.
    expect(await checkKeyring(database, Keyring.parse(`${Keyring.generateKeySpec('next')},${current}`))).toEqual({ missingKids: [], wrongKids: [] });
  });

  // A server process needs a database it shares with this test: PostgreSQL.
  it.skipIf(!process.env.DATABASE_URL)(
    'refuses to start, naming ENCRYPTION_KEYS and the missing key ids, when the keyring cannot open the stored secrets',
    async () => {
      await makeIntegration(app, { clientSecret: 'sealed-before-restart' });
      const kid = process.env.ENCRYPTION_KEYS!.split(':')[0]!;
      const started = await runServerToExit({ DATABASE_URL: process.env.DATABASE_URL!, REDIS_URL: '', ENCRYPTION_KEYS: Keyring.generateKeySpec('other') });
      expect(started.code).toBe(1);
      expect(started.stderr).toContain(`ENCRYPTION_KEYS cannot open the stored secrets (missing key ids: ${kid})`);
    },
    90_000,
  );
});
