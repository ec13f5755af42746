// Configuration a newcomer gets wrong first: URLs without a scheme (or with a path or query where
// none belongs) stop the start with the setting named; `.env` is read outside production, and the
// environment wins over it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { projectRoot } from '../../src/db/schema-engine.js';

describe('URL settings are checked at start', () => {
  it.each([
    ['PUBLIC_URL', 'localhost:4000', /PUBLIC_URL: must start with https:\/\/ or http:\/\//],
    ['PUBLIC_URL', 'https://sb.example.com/?x=1', /PUBLIC_URL: must not have a query/],
    ['PUBLIC_URL', 'https://sb.example.com/#top', /PUBLIC_URL: must not have a fragment/],
    ['PUBLIC_URL', 'https://user:pw@sb.example.com', /PUBLIC_URL: must not contain credentials/],
    ['DATABASE_URL', 'localhost:5432/db', /DATABASE_URL: must start with postgresql:\/\/ or postgres:\/\//],
    ['REDIS_URL', 'http://127.0.0.1:6379', /REDIS_URL: must start with redis:\/\/ or rediss:\/\//],
    ['JWT_JWKS_URL', 'idp.example.com/jwks.json', /JWT_JWKS_URL: .*https:\/\//],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318', /OTEL_EXPORTER_OTLP_ENDPOINT: must start with http:\/\/ or https:\/\//],
  ])('refuses %s=%s', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('accepts the URLs each setting is documented with', () => {
    const config = loadConfig({
      PUBLIC_URL: 'https://sb.example.com/base/',
      DATABASE_URL: 'postgresql://user:pw@db:5432/switchboard?sslmode=require',
      REDIS_URL: 'rediss://:pw@redis:6380/2',
      JWT_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
    });
    expect(config.publicUrl).toBe('https://sb.example.com/base');
    expect(config.realtime.redisUrl).toBe('rediss://:pw@redis:6380/2');
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ PUBLIC_URL: '', PORT: '4100' }).publicUrl).toBe('http://localhost:4100');
  });
});

/** Starts src/main.ts in `cwd` with `env` and resolves with its exit code and stderr (it is expected to stop by itself). */
function runMain(cwd: string, env: Record<string, string | undefined>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    // tsx by its path: the working directory is not the project's.
    const tsx = pathToFileURL(path.join(projectRoot, 'node_modules/tsx/dist/loader.mjs')).href;
    const child = spawn(process.execPath, ['--import', tsx, path.join(projectRoot, 'src/main.ts')], {
      cwd,
      env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('.env', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-envfile-'));
  fs.writeFileSync(path.join(dir, '.env'), '# read by npm start outside production\nPUBLIC_URL=localhost:4000\nPORT=4999\n');

  it('is read in development: a bad value in it stops the start with the setting named', async () => {
    const { code, stderr } = await runMain(dir, { NODE_ENV: 'development' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/PUBLIC_URL: must start with https:\/\/ or http:\/\//);
  });

  it('loses to the environment', async () => {
    // PORT from the environment is not a number: its error shows the environment was read over .env's 4999.
    const { code, stderr } = await runMain(dir, { NODE_ENV: 'development', PUBLIC_URL: 'http://localhost:4999', PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/PORT:/);
    expect(stderr).not.toMatch(/PUBLIC_URL/);
  });

  it('is not read in production', async () => {
    const { code, stderr } = await runMain(dir, { NODE_ENV: 'production' });
    expect(code).toBe(1);
    // Production's own refusal (no PUBLIC_URL at all), not the .env value's.
    expect(stderr).toMatch(/Production needs PUBLIC_URL/);
  });
});
