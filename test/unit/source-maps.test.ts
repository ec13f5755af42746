// `npm start` maps stack traces of the compiled bundles back to src/ (scripts/source-maps.mjs), reading
// a bundle's source map only when a stack passes through it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-source-maps-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function bundle(): Promise<{ bundled: string; source: string }> {
  const source = path.join(dir, 'src', 'thrower.ts');
  fs.mkdirSync(path.dirname(source), { recursive: true });
  // The throw is on line 5 of the source; the bundle puts it elsewhere.
  fs.writeFileSync(source, 'interface Unused {\n  a: number;\n}\nexport function fail(): never {\n  throw new Error("mapped?");\n}\n');
  const bundled = path.join(dir, 'dist', 'thrower.js');
  await build({ entryPoints: [source], outfile: bundled, bundle: true, format: 'esm', platform: 'node', sourcemap: true, logLevel: 'silent' });
  return { bundled, source };
}

/** The stack of an error thrown in `bundled`, in a Node process that starts as `npm start` does (no loader in between). */
function stackInNode(bundled: string): string {
  const script = `
    const { mapStackTracesLazily } = await import(${JSON.stringify(pathToFileURL(path.resolve('scripts/source-maps.mjs')).href)});
    mapStackTracesLazily(${JSON.stringify(path.dirname(bundled))});
    const { fail } = await import(${JSON.stringify(pathToFileURL(bundled).href)});
    try { fail(); } catch (error) { console.log(error.stack); }
    try { null.x; } catch (error) { console.log(error.stack); }`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
}

describe('stack traces of the compiled server', () => {
  it('point at the source file and line, outside the bundles as they are', async () => {
    const { bundled, source } = await bundle();
    const [mapped, plain] = stackInNode(bundled).split(/\n(?=TypeError)/);
    expect(mapped!.split('\n')[0]).toBe('Error: mapped?');
    expect(mapped).toContain(`at fail (${source}:5:`);
    expect(mapped).not.toContain('thrower.js');
    expect(plain).toMatch(/^TypeError: Cannot read properties of null/);
    expect(plain).toContain('[eval');
  });
});
