// Compiles src/ (the generated Prisma client included) to dist/ with esbuild, one JavaScript file per
// TypeScript file and a source map beside each, so that every module keeps its place: files that
// modules find relative to themselves (catalog YAML, `../..` to prisma/migrations) are found from
// dist/ as from src/. Other files under src/ (YAML and the like) are copied as they are.
// Run by `npm start` when dist/ is stale, by `npm run build`, and by the Dockerfile.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const sourceDir = path.join(root, 'src');
export const outDir = path.join(root, 'dist');
/** Written last: its mtime says when dist/ was complete. */
export const stampFile = path.join(outDir, '.build-stamp');

function listFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

/** True when dist/ is missing or older than anything under src/ or package-lock.json. */
export function isStale() {
  let built;
  try {
    built = fs.statSync(stampFile).mtimeMs;
  } catch {
    return true;
  }
  const inputs = [...listFiles(sourceDir), path.join(root, 'package-lock.json')];
  const inputsNow = inputs.length;
  const recorded = Number(fs.readFileSync(stampFile, 'utf8').trim() || 0);
  // A deleted source file leaves a stale module behind: a changed count rebuilds too.
  if (recorded !== inputsNow) return true;
  return inputs.some((file) => fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs > built);
}

export async function build({ quiet = false } = {}) {
  const started = Date.now();
  const { build: esbuild } = await import('esbuild');
  const files = listFiles(sourceDir);
  const entryPoints = files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  fs.rmSync(outDir, { recursive: true, force: true });
  await esbuild({
    entryPoints,
    outdir: outDir,
    outbase: sourceDir,
    bundle: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'warning',
  });
  for (const file of files.filter((file) => !file.endsWith('.ts'))) {
    const target = path.join(outDir, path.relative(sourceDir, file));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(file, target);
  }
  fs.writeFileSync(path.join(outDir, 'package.json'), '{ "type": "module" }\n');
  fs.writeFileSync(stampFile, `${files.length + 1}\n`);
  if (!quiet) console.error(`switchboard: built dist/ (${entryPoints.length} modules) in ${Date.now() - started} ms`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await build();
}
