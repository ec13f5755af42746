// Makes dist/pglite-template (see src/db/pglite-template.ts) in a child process that runs the
// TypeScript with tsx: PGlite's WebAssembly memory is not the build's, and the template is made by
// the same code that checks it and applies the migrations.
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export function makePgliteTemplate(templateDir, previousDir) {
  const module = pathToFileURL(`${root}src/db/pglite-template.ts`).href;
  const script = `const { makeTemplate } = await import(${JSON.stringify(module)}); await makeTemplate(process.argv[1], process.argv[2] || undefined);`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, templateDir, previousDir ?? ''], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`making the PGlite template ${templateDir} failed: ${result.stderr}`);
}
