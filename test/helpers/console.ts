// The console's build for tests: dist/console as `npm run build` makes it (CI builds before testing),
// rebuilt here when missing or older than console/ (a fresh clone's `npm test`).
import path from 'node:path';
import { projectRoot } from '../../src/paths.js';

const consoleBuild = path.join(projectRoot, 'dist', 'console');

export async function ensureConsoleBuilt(): Promise<void> {
  const { buildConsole, consoleBuildIsCurrent } = (await import(path.join(projectRoot, 'scripts/build.mjs'))) as {
    buildConsole(outDir: string): Promise<void>;
    consoleBuildIsCurrent(dir: string): boolean;
  };
  if (consoleBuildIsCurrent(consoleBuild)) return;
  await buildConsole(consoleBuild);
}
