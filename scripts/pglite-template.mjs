// Makes dist/pglite-template: an empty PGlite cluster (what PGlite's initdb writes into a new data
// directory, ~5 CPU-seconds), which a new embedded database copies instead (src/db/pglite-template.ts).
// The cluster only fits the PGlite release that made it: its version is written beside it, and a
// template of another version is never used.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The installed PGlite's version (its package.json does not export itself). */
export function pgliteVersion() {
  const entry = require.resolve('@electric-sql/pglite');
  const manifest = path.join(entry.slice(0, entry.lastIndexOf(`${path.sep}dist${path.sep}`)), 'package.json');
  return JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
}

export const versionFileOf = (templateDir) => `${templateDir}.version`;

/**
 * Writes the template into `templateDir`, copying `previousDir`'s when it was made by this PGlite
 * (a rebuild after a source change), else running initdb in a child process (its WebAssembly memory
 * is not the build's).
 */
export function makePgliteTemplate(templateDir, previousDir) {
  const version = pgliteVersion();
  fs.rmSync(templateDir, { recursive: true, force: true });
  if (previousDir && readVersion(previousDir) === version && fs.existsSync(path.join(previousDir, 'PG_VERSION'))) {
    fs.cpSync(previousDir, templateDir, { recursive: true });
  } else {
    const script = `const { PGlite } = await import('@electric-sql/pglite'); const db = new PGlite(process.argv[1]); await db.waitReady; await db.close();`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, templateDir], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`PGlite's initdb failed for ${templateDir}: ${result.stderr}`);
  }
  fs.writeFileSync(versionFileOf(templateDir), `${version}\n`);
}

function readVersion(templateDir) {
  try {
    return fs.readFileSync(versionFileOf(templateDir), 'utf8').trim();
  } catch {
    return undefined;
  }
}
