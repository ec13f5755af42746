// A new embedded database starts as a copy of the empty cluster that `npm run build` made
// (scripts/pglite-template.mjs): PGlite's own initdb costs ~5 CPU-seconds at every first start, a
// copy a few milliseconds. Without a template of the installed PGlite (`npm run dev`, a build
// without it) PGlite runs initdb as before.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pgliteTemplateDir } from '../paths.js';

/** The installed PGlite's version (its package.json does not export itself). */
function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = path.join(entry.slice(0, entry.lastIndexOf(`${path.sep}dist${path.sep}`)), 'package.json');
  return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/**
 * Fills `dataDir` from the template when `dataDir` is empty (a new database) and a template made by
 * this PGlite exists; returns whether it did. The copy is made beside `dataDir` and renamed into
 * place, so a crash mid-copy leaves an empty directory (initialised on the next start), never half a
 * cluster. The caller holds the data directory's lock.
 */
export function seedFromTemplate(dataDir: string, templateDir = pgliteTemplateDir): boolean {
  if (fs.readdirSync(dataDir).length > 0) return false;
  let templateVersion: string;
  try {
    templateVersion = fs.readFileSync(`${templateDir}.version`, 'utf8').trim();
  } catch {
    return false;
  }
  if (templateVersion !== pgliteVersion() || !fs.existsSync(path.join(templateDir, 'PG_VERSION'))) return false;
  const copy = `${dataDir}.template-${process.pid}`;
  fs.rmSync(copy, { recursive: true, force: true });
  // A reflink where the filesystem has them (copy-on-write), else a plain copy.
  fs.cpSync(templateDir, copy, { recursive: true, mode: fs.constants.COPYFILE_FICLONE });
  // The copy is ours to write, as initdb would have made it, whatever the template's modes (a
  // read-only tree, an image built by another user).
  fs.chmodSync(copy, 0o700);
  for (const entry of fs.readdirSync(copy, { recursive: true, withFileTypes: true })) {
    fs.chmodSync(path.join(entry.parentPath, entry.name), entry.isDirectory() ? 0o700 : 0o600);
  }
  fs.rmdirSync(dataDir);
  fs.renameSync(copy, dataDir);
  return true;
}
