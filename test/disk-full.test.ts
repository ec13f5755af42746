// The embedded database's disk filling up: on a small tmpfs as DATA_DIR, /ready answers 503 with the
// reason once less than STORAGE_MIN_FREE_MB is free (a new 16 MB WAL segment would not fit), /health
// keeps answering, a warning is logged (throttled) and the free-space gauge shows it; when space frees,
// /ready answers 200 again without a restart. Meanwhile a mutation is refused at once (a typed
// DATABASE_UNAVAILABLE, reason STORAGE_FULL) and queries still answer. Needs root to mount a tmpfs: skipped with a note otherwise.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { watchFreeSpace } from '../src/db/free-space.js';
import type { Logger } from '../src/kernel/log.js';
import { adminHeaders, graphql, startTestServer } from './helpers/server.js';

const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-disk-full-'));
const mounted = process.env.TEST_DATABASE === 'pglite' && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=40m', 'tmpfs', mountPoint]).status === 0;
if (!mounted) console.info('disk-full: needs the embedded database and root to mount a 40 MB tmpfs; skipped here');
afterAll(() => {
  if (mounted) spawnSync('umount', [mountPoint]);
  fs.rmSync(mountPoint, { recursive: true, force: true });
});

/** Fills the tmpfs until `leftMb` are free. */
function fillUntil(leftMb: number): string {
  const stats = fs.statfsSync(mountPoint);
  const free = stats.bavail * stats.bsize;
  const filler = path.join(mountPoint, 'filler');
  fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free - leftMb * 1024 * 1024)));
  return filler;
}

const CREATE_API_KEY = /* GraphQL */ `
  mutation ($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      __typename
    }
  }
`;

describe.skipIf(!mounted)('disk full (embedded database)', () => {
  it('warns (once a minute at most) under the warning threshold and says why not ready under the minimum; space freed clears it', async () => {
    const logger = { warn: vi.fn(), info: vi.fn() } as unknown as Logger;
    const watch = watchFreeSpace({ dir: mountPoint, minFreeMb: 32, warnFreeMb: 36, logger });
    try {
      await watch.measure();
      expect(watch.notReadyReason()).toBeUndefined();
      const filler = fillUntil(20);
      await watch.measure();
      await watch.measure();
      expect(watch.notReadyReason()).toMatch(/^storage full: \d+ MB free in DATA_DIR/);
      expect(watch.freeBytes()).toBeLessThan(32 * 1024 * 1024);
      expect(logger.warn).toHaveBeenCalledTimes(1);
      fs.rmSync(filler);
      await watch.measure();
      expect(watch.notReadyReason()).toBeUndefined();
      expect(logger.info).toHaveBeenCalledWith(expect.anything(), 'free space for the embedded database again: ready');
    } finally {
      watch.stop();
    }
  });

  it('answers /ready 503 with the reason while /health and /metrics answer; /ready 200 again once space frees, without a restart', async () => {
    const server = await startTestServer({ database: { dataDir: mountPoint, storageMinFreeMb: 32, storageWarnFreeMb: 36 } });
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    const filler = fillUntil(20);
    await server.freeSpace!.measure();
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/^storage full/) });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const free = Number(/^switchboard_storage_free_bytes (\d+)/m.exec(metrics)?.[1]);
    expect(free).toBeLessThan(32 * 1024 * 1024);
    // A write is refused at once with a typed error; reads go on.
    const started = performance.now();
    const refused = await graphql(server, CREATE_API_KEY, { input: { name: 'while full', scopes: [] } }, adminHeaders);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors).toEqual([expect.objectContaining({ extensions: { code: 'DATABASE_UNAVAILABLE', reason: 'STORAGE_FULL' } })]);
    expect((await graphql(server, '{ __typename }', {}, adminHeaders)).data).toEqual({ __typename: 'Query' });
    fs.rmSync(filler);
    await server.freeSpace!.measure();
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    const written = await graphql(server, CREATE_API_KEY, { input: { name: 'space again', scopes: ['ADMIN'] } }, adminHeaders);
    expect(written.errors).toBeUndefined();
    expect(written.data.createApiKey.__typename).toBe('CreateApiKeyPayload');
  });
});
