// A new embedded database starts as a copy of a template that `npm run build` makes
// (dist/pglite-template, through scripts/pglite-template.mjs): an empty PGlite cluster with
// prisma/migrations already applied. PGlite's own initdb costs ~5 CPU-seconds at every first start
// and the migrations another second; a copy costs a fraction of that. The template is used only when
// the installed PGlite made it and it holds exactly the migrations of prisma/migrations; otherwise
// (`npm run dev`, a build without it, a migration added since) PGlite initialises the directory and
// migrate() applies the migrations, as before.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pgliteTemplateDir } from '../paths.js';
import { applyToEmptyDatabase, localMigrationChecksums } from './migrate.js';

/** What a template was made from, written beside it (`<template>.json`). */
interface TemplateMade {
  pglite: string;
  migrations: Record<string, string>;
}

const madeFileOf = (templateDir: string) => `${templateDir}.json`;

/** The installed PGlite's version (its package.json does not export itself). */
function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = path.join(entry.slice(0, entry.lastIndexOf(`${path.sep}dist${path.sep}`)), 'package.json');
  return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** What a template made now would be made from; undefined when a migration folder has no migration.sql. */
function currentInputs(migrationsDir?: string): TemplateMade | undefined {
  const migrations = localMigrationChecksums(migrationsDir);
  return migrations && { pglite: pgliteVersion(), migrations: Object.fromEntries([...migrations].sort(([a], [b]) => a.localeCompare(b))) };
}

function isCurrent(templateDir: string, migrationsDir?: string): boolean {
  let made: string;
  try {
    made = fs.readFileSync(madeFileOf(templateDir), 'utf8');
  } catch {
    return false;
  }
  const inputs = currentInputs(migrationsDir);
  return !!inputs && made === JSON.stringify(inputs) && fs.existsSync(path.join(templateDir, 'PG_VERSION'));
}

/**
 * Makes the template in `templateDir`: a copy of `previousDir` when that one is current (a rebuild
 * after a source change), else initdb and the migrations (seconds). Run by the build in a process of
 * its own, so that PGlite's memory is not the build's.
 */
export async function makeTemplate(templateDir: string, previousDir?: string, migrationsDir?: string): Promise<void> {
  fs.rmSync(templateDir, { recursive: true, force: true });
  fs.rmSync(madeFileOf(templateDir), { force: true });
  const inputs = currentInputs(migrationsDir);
  if (!inputs) return;
  if (previousDir && isCurrent(previousDir, migrationsDir)) {
    fs.cpSync(previousDir, templateDir, { recursive: true });
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    const pglite = new PGlite(templateDir);
    await applyToEmptyDatabase(async (sql) => void (await pglite.exec(sql)), migrationsDir);
    await pglite.close();
  }
  fs.writeFileSync(madeFileOf(templateDir), JSON.stringify(inputs));
}

/**
 * Fills `dataDir` from the template when `dataDir` is empty (a new database) and the template is
 * current; returns whether it did. The copy is made beside `dataDir` and renamed into place, so a
 * crash mid-copy leaves an empty directory (initialised on the next start), never half a cluster.
 * The caller holds the data directory's lock.
 */
export function seedFromTemplate(
  dataDir: string,
  {
    templateDir = pgliteTemplateDir,
    migrationsDir,
    warn = () => {},
  }: { templateDir?: string; migrationsDir?: string; warn?: (error: Error, message: string) => void } = {},
): boolean {
  if (fs.readdirSync(dataDir).length > 0 || !isCurrent(templateDir, migrationsDir)) return false;
  // Copies left by a process that crashed mid-copy (under this lock, no one else is copying).
  const parent = path.dirname(dataDir);
  for (const entry of fs.readdirSync(parent)) {
    if (entry.startsWith(`${path.basename(dataDir)}.template-`)) fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
  const copy = `${dataDir}.template-${process.pid}`;
  try {
    // A reflink where the filesystem has them (copy-on-write), else a plain copy.
    fs.cpSync(templateDir, copy, { recursive: true, mode: fs.constants.COPYFILE_FICLONE });
    // A build replacing the template while we copied: the copy may be partial, so it is not used.
    if (!isCurrent(templateDir, migrationsDir)) throw new Error('the template changed while it was copied');
    // The copy is ours to write, as initdb would have made it, whatever the template's modes (a
    // read-only tree, an image built by another user).
    fs.chmodSync(copy, 0o700);
    for (const entry of fs.readdirSync(copy, { recursive: true, withFileTypes: true })) {
      fs.chmodSync(path.join(entry.parentPath, entry.name), entry.isDirectory() ? 0o700 : 0o600);
    }
    fs.rmdirSync(dataDir);
    fs.renameSync(copy, dataDir);
    return true;
  } catch (error) {
    // A full disk, a data directory that is a mount point (no rename onto it)…: PGlite initialises
    // the empty directory itself, as without a template; only slower.
    fs.rmSync(copy, { recursive: true, force: true });
    fs.mkdirSync(dataDir, { recursive: true });
    warn(error as Error, 'new database not copied from the template; initialising it instead');
    return false;
  }
}
