// Compiles src/ (the generated Prisma client included) to dist/ with esbuild: src/main.ts and the
// dependencies it imports bundled into dist/main.js and the chunks it loads on demand (a dynamic
// import stays a separate file, loaded when first needed), with source maps. Node then reads and
// compiles a few large files instead of about a thousand small ones, which was most of the start-up
// time. Code finds its files through src/paths.ts (dist/ keeps src/'s layout for non-code files:
// catalog YAML and the like, copied as they are). Packages that find their own files beside their
// modules (WebAssembly, worker scripts) stay in node_modules: see `external`.
// Run by `npm start` when dist/ is stale, by `npm run build`, and by the Dockerfile.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePgliteTemplate } from './pglite-template.mjs';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const sourceDir = path.join(root, 'src');
export const outDir = path.join(root, 'dist');
/** Written last: its mtime says when dist/ was complete. */
export const stampFile = path.join(outDir, '.build-stamp');

function listFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

export const consoleDir = path.join(root, 'console');

/** What dist/ is made from: src/, the console, package-lock.json, and prisma/migrations (the PGlite template holds them). */
function inputFiles() {
  const migrations = path.join(root, 'prisma', 'migrations');
  return [...listFiles(sourceDir), ...listFiles(consoleDir), path.join(root, 'package-lock.json'), ...(fs.existsSync(migrations) ? listFiles(migrations) : [])];
}

/** The console (console/, Vite + React) into `outDir`; its index.html and hashed assets. */
export async function buildConsole(outDir) {
  const { build: viteBuild } = await import('vite');
  // Always React's production build and JSX runtime, also when built from a test run (NODE_ENV
  // "test"), where Vite would otherwise bundle React's development build, three times the size.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await viteBuild({
      configFile: path.join(consoleDir, 'vite.config.ts'),
      build: { outDir, emptyOutDir: true },
      mode: 'production',
      logLevel: 'warn',
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

/** True when `dir` holds a console build newer than console/ and package-lock.json (Vite's and React's versions). */
export function consoleBuildIsCurrent(dir) {
  const built = fs.statSync(path.join(dir, 'index.html'), { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) return false;
  return [...listFiles(consoleDir), path.join(root, 'package-lock.json')].every((file) => fs.statSync(file).mtimeMs <= built);
}

/** True when dist/ is missing or older than anything it is made from. */
export function isStale() {
  let built;
  try {
    built = fs.statSync(stampFile).mtimeMs;
  } catch {
    return true;
  }
  const inputs = inputFiles();
  const inputsNow = inputs.length;
  const recorded = Number(fs.readFileSync(stampFile, 'utf8').trim() || 0);
  // A deleted source file leaves a stale module behind: a changed count rebuilds too.
  if (recorded !== inputsNow) return true;
  return inputs.some((file) => fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs > built);
}

const lockDir = path.join(root, '.dist.lock');

/**
 * Builds when stale, once: processes starting together (two instances, parallel tests) wait for the
 * one holding the lock, then find dist/ current. The new dist/ is written beside the old one and
 * swapped in with a rename, so a server already running from dist/ keeps its files.
 */
export async function ensureBuilt({ quiet = false } = {}) {
  if (!isStale()) return false;
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      // A lock left by a build that died: taken over after a minute.
      const age = Date.now() - (fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 60_000) fs.rmSync(lockDir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for another build (remove .dist.lock if none runs)', { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    if (!isStale()) return false;
    await build({ quiet });
    return true;
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * Left in node_modules: PGlite and the schema engine load their WebAssembly and data files from
 * beside their modules; pino starts transports from worker files by path.
 */
const external = ['@electric-sql/pglite', '@prisma/schema-engine-wasm', 'pino', 'pino-pretty', 'thread-stream'];

/** Prisma's query compiler, written into dist/ as a plain WebAssembly file. */
const queryCompilerWasmFile = 'query-compiler.postgresql.wasm';

/**
 * The generated Prisma client imports its query compiler as a 4.5 MB JavaScript module holding the
 * WebAssembly in base64, which Node parses, decodes and compiles on the main thread on the first query.
 * Built, it reads `queryCompilerWasmFile` from beside the bundle and compiles it with
 * WebAssembly.compile (off the main thread). The build fails when the generated code no longer
 * reads as expected (a Prisma upgrade changed it): it must not silently keep the slow path.
 */
function queryCompilerFromFile() {
  const loader =
    /getQueryCompilerWasmModule: async \(\) => \{\n\s*const \{ wasm \} = await import\("@prisma\/client\/runtime\/query_compiler_fast_bg\.postgresql\.wasm-base64\.mjs"\)\n\s*return await decodeBase64AsWasm\(wasm\)\n\s*\}/;
  const outcome = { replaced: false };
  const plugin = {
    name: 'query-compiler-from-file',
    setup(build) {
      build.onLoad({ filter: /[\\/]generated[\\/]prisma[\\/]internal[\\/]class\.ts$/ }, (args) => {
        const source = fs.readFileSync(args.path, 'utf8');
        if (!loader.test(source))
          throw new Error(`${args.path}: Prisma's query compiler loader is not the expected one; update queryCompilerFromFile in scripts/build.mjs`);
        outcome.replaced = true;
        const contents = source.replace(
          loader,
          `getQueryCompilerWasmModule: async () => {
    const { readFile } = await import('node:fs/promises')
    return await WebAssembly.compile(await readFile(new URL('./${queryCompilerWasmFile}', import.meta.url)))
  }`,
        );
        return { contents, loader: 'ts' };
      });
    },
  };
  return { plugin, outcome };
}

/** Writes the query compiler's WebAssembly (shipped by @prisma/client as base64) into `dir`. */
async function writeQueryCompilerWasm(dir) {
  const { wasm } = await import('@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.mjs');
  const bytes = Buffer.from(wasm, 'base64');
  if (!WebAssembly.validate(bytes))
    throw new Error("@prisma/client's query compiler is not valid WebAssembly; update writeQueryCompilerWasm in scripts/build.mjs");
  fs.writeFileSync(path.join(dir, queryCompilerWasmFile), bytes);
}

export async function build({ quiet = false } = {}) {
  const started = Date.now();
  const { build: esbuild } = await import('esbuild');
  const files = listFiles(sourceDir);
  const finalDir = outDir;
  const buildDir = `${outDir}.tmp-${process.pid}`;
  fs.rmSync(buildDir, { recursive: true, force: true });
  const queryCompiler = queryCompilerFromFile();
  await esbuild({
    entryPoints: [path.join(sourceDir, 'main.ts')],
    outdir: buildDir,
    outbase: sourceDir,
    bundle: true,
    splitting: true,
    external,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'warning',
    plugins: [queryCompiler.plugin],
    // Bundled CommonJS packages call require() for Node's modules.
    banner: { js: "import { createRequire as __switchboardCreateRequire } from 'node:module'; const require = __switchboardCreateRequire(import.meta.url);" },
  });
  if (!queryCompiler.outcome.replaced)
    throw new Error("the generated Prisma client's class.ts was not bundled; update queryCompilerFromFile in scripts/build.mjs");
  for (const file of files.filter((file) => !file.endsWith('.ts'))) {
    const target = path.join(buildDir, path.relative(sourceDir, file));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(file, target);
  }
  await writeQueryCompilerWasm(buildDir);
  fs.writeFileSync(path.join(buildDir, 'package.json'), '{ "type": "module" }\n');
  // A change to src/ alone keeps the console as built (Vite's build is half of the time).
  const previousConsole = path.join(finalDir, 'console');
  if (consoleBuildIsCurrent(previousConsole)) fs.cpSync(previousConsole, path.join(buildDir, 'console'), { recursive: true, preserveTimestamps: true });
  else await buildConsole(path.join(buildDir, 'console'));
  // Kept from the previous build when made by the same PGlite from the same migrations.
  makePgliteTemplate(path.join(buildDir, 'pglite-template'), path.join(finalDir, 'pglite-template'));
  fs.writeFileSync(path.join(buildDir, path.basename(stampFile)), `${inputFiles().length}\n`);
  const oldDir = `${outDir}.old-${process.pid}`;
  if (fs.existsSync(finalDir)) fs.renameSync(finalDir, oldDir);
  fs.renameSync(buildDir, finalDir);
  fs.rmSync(oldDir, { recursive: true, force: true });
  if (!quiet) console.error(`switchboard: built dist/ in ${Date.now() - started} ms`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await build();
}
