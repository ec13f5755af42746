// The console's build for tests: dist/console as `npm run build` makes it (CI builds before testing),
// rebuilt here when missing or older than console/ (a fresh clone's `npm test`).
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/paths.js';

const consoleSource = path.join(projectRoot, 'console');
const consoleBuild = path.join(projectRoot, 'dist', 'console');

function newestSource(): number {
  return fs
    .readdirSync(consoleSource, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .reduce((newest, entry) => Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs), 0);
}

export async function ensureConsoleBuilt(): Promise<void> {
  const built = fs.statSync(path.join(consoleBuild, 'index.html'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (built >= newestSource()) return;
  const { buildConsole } = (await import(path.join(projectRoot, 'scripts/build.mjs'))) as { buildConsole(outDir: string): Promise<void> };
  await buildConsole(consoleBuild);
}
