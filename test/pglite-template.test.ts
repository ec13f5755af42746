import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrationsUpToDate } from '../src/db/migrate.js';
import { makeTemplate, seedFromTemplate } from '../src/db/pglite-template.js';
import { migrationsDir, pgliteTemplateDir } from '../src/paths.js';

// A new embedded database is copied from the migrated, empty cluster `npm run build` makes, instead
// of running PGlite's initdb and the migrations at the first start.
describe('new embedded database from the build-time PGlite template', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-template-'));
  const template = path.join(scratch, 'template');
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
  // A copy of the build's template when it is current (initdb is seconds of CPU); the last test makes one anew.
  beforeAll(() => makeTemplate(template, pgliteTemplateDir), 120_000);

  function emptyDir(name: string): string {
    const dir = path.join(scratch, name);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** A copy of prisma/migrations with one more folder. */
  function migrationsWithOneMore(): string {
    const dir = fs.mkdtempSync(path.join(scratch, 'migrations-plus-'));
    fs.cpSync(migrationsDir, dir, { recursive: true, force: true });
    fs.mkdirSync(path.join(dir, '29990101000000_more'));
    fs.writeFileSync(path.join(dir, '29990101000000_more', 'migration.sql'), 'CREATE TABLE "More" ("id" TEXT NOT NULL);\n');
    return dir;
  }

  it('opens a database copied from the template, migrated, with no initdb; the template stays as it was', async () => {
    const dataDir = emptyDir('data');
    // Left by a process that crashed while copying: removed.
    fs.mkdirSync(path.join(scratch, 'data.template-1'));
    expect(seedFromTemplate(dataDir, { templateDir: template })).toBe(true);
    expect(fs.readdirSync(scratch).filter((entry) => entry.startsWith('data.'))).toEqual([]);
    const pglite = new PGlite(dataDir);
    expect(await migrationsUpToDate(async (sql) => (await pglite.query(sql)).rows as never[])).toBe(true);
    await pglite.exec('CREATE TABLE written_here (n integer)');
    await pglite.close();

    const next = emptyDir('next');
    expect(seedFromTemplate(next, { templateDir: template })).toBe(true);
    const reopened = new PGlite(next);
    expect((await reopened.query(`SELECT to_regclass('written_here') AS t`)).rows).toEqual([{ t: null }]);
    await reopened.close();
  }, 120_000);

  it('falls back to an empty directory (PGlite initialises it) when the copy fails, leaving no partial copy', () => {
    const dataDir = emptyDir('disk-full');
    const copy = vi.spyOn(fs, 'cpSync').mockImplementation((_from, to) => {
      fs.mkdirSync(String(to), { recursive: true });
      fs.writeFileSync(path.join(String(to), 'PG_VERSION'), '17\n');
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    });
    try {
      expect(seedFromTemplate(dataDir, { templateDir: template })).toBe(false);
    } finally {
      copy.mockRestore();
    }
    expect(fs.readdirSync(dataDir)).toEqual([]);
    expect(fs.readdirSync(scratch).filter((entry) => entry.startsWith('disk-full.'))).toEqual([]);
  });

  it('leaves a data directory that already holds something alone', () => {
    const dataDir = emptyDir('existing');
    fs.writeFileSync(path.join(dataDir, 'PG_VERSION'), '17\n');
    expect(seedFromTemplate(dataDir, { templateDir: template })).toBe(false);
    expect(fs.readdirSync(dataDir)).toEqual(['PG_VERSION']);
  });

  it('ignores a template made from other migrations, by another PGlite release, or none', () => {
    const dataDir = emptyDir('not-current');
    expect(seedFromTemplate(dataDir, { templateDir: template, migrationsDir: migrationsWithOneMore() })).toBe(false);
    const made = fs.readFileSync(`${template}.json`, 'utf8');
    const otherRelease = path.join(scratch, 'other-release');
    fs.cpSync(template, otherRelease, { recursive: true });
    fs.writeFileSync(`${otherRelease}.json`, made.replace(/"pglite":"[^"]+"/, '"pglite":"0.0.1"'));
    expect(seedFromTemplate(dataDir, { templateDir: otherRelease })).toBe(false);
    expect(seedFromTemplate(dataDir, { templateDir: path.join(scratch, 'no-template') })).toBe(false);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('is kept by a rebuild when current, and made again when the migrations changed', async () => {
    const kept = path.join(scratch, 'kept');
    fs.writeFileSync(path.join(template, 'marker'), 'from the previous build');
    await makeTemplate(kept, template);
    expect(fs.readFileSync(path.join(kept, 'marker'), 'utf8')).toBe('from the previous build');

    const remade = path.join(scratch, 'remade');
    const migrations = migrationsWithOneMore();
    await makeTemplate(remade, template, migrations);
    expect(fs.existsSync(path.join(remade, 'marker'))).toBe(false);
    expect(seedFromTemplate(emptyDir('with-more'), { templateDir: remade, migrationsDir: migrations })).toBe(true);
  }, 120_000);
});
