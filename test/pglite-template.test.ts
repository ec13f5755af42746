import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { seedFromTemplate } from '../src/db/pglite-template.js';
// @ts-expect-error: a plain JavaScript build script without declarations
import { makePgliteTemplate, pgliteVersion, versionFileOf } from '../scripts/pglite-template.mjs';

// A new embedded database is copied from the empty cluster `npm run build` makes, instead of
// running PGlite's initdb at the first start.
describe('new embedded database from the build-time PGlite template', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-template-'));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  function emptyDir(name: string): string {
    const dir = path.join(scratch, name);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** A stand-in template: the copy logic only looks at PG_VERSION and the version file. */
  function fakeTemplate(name: string, version: string): string {
    const dir = emptyDir(name);
    fs.writeFileSync(path.join(dir, 'PG_VERSION'), '17\n');
    fs.mkdirSync(path.join(dir, 'base'));
    fs.writeFileSync(path.join(dir, 'base', 'file'), 'data');
    fs.writeFileSync(versionFileOf(dir), `${version}\n`);
    return dir;
  }

  it('opens a database copied from a template the build made, with no initdb', async () => {
    const template = path.join(scratch, 'real-template');
    makePgliteTemplate(template);
    const dataDir = emptyDir('real-data');
    expect(seedFromTemplate(dataDir, template)).toBe(true);
    const pglite = new PGlite(dataDir);
    await pglite.exec('CREATE TABLE t (n integer); INSERT INTO t VALUES (1)');
    expect((await pglite.query<{ n: number }>('SELECT n FROM t')).rows).toEqual([{ n: 1 }]);
    await pglite.close();
    // The template itself is untouched: the next database starts as empty.
    const reopened = new PGlite(template);
    expect((await reopened.query(`SELECT to_regclass('t') AS t`)).rows).toEqual([{ t: null }]);
    await reopened.close();
  }, 120_000);

  it('copies the template into an empty data directory, without leaving the copy beside it', () => {
    const template = fakeTemplate('template', pgliteVersion());
    const dataDir = emptyDir('new');
    expect(seedFromTemplate(dataDir, template)).toBe(true);
    expect(fs.readFileSync(path.join(dataDir, 'base', 'file'), 'utf8')).toBe('data');
    expect(fs.readdirSync(scratch).filter((entry) => entry.startsWith('new.'))).toEqual([]);
  });

  it('leaves a data directory that already holds something alone', () => {
    const template = fakeTemplate('template-2', pgliteVersion());
    const dataDir = emptyDir('existing');
    fs.writeFileSync(path.join(dataDir, 'PG_VERSION'), '17\n');
    expect(seedFromTemplate(dataDir, template)).toBe(false);
    expect(fs.readdirSync(dataDir)).toEqual(['PG_VERSION']);
  });

  it('ignores a template made by another PGlite release, or none', () => {
    const dataDir = emptyDir('other-version');
    expect(seedFromTemplate(dataDir, fakeTemplate('template-old', '0.0.1'))).toBe(false);
    expect(seedFromTemplate(dataDir, path.join(scratch, 'no-template'))).toBe(false);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});
