// EMBEDDED_OPTIMIZING_COMPILER: V8 compiles PGlite's WebAssembly with its baseline compiler only, unless
// the setting asks for its optimizing one too (whose compiles took seconds of CPU under a first load).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const script = path.join(import.meta.dirname, 'helpers', 'wasm-compiles.ts');

/** Per WebAssembly module (V8's address), how many functions each compiler compiled while the script ran. */
async function compilesPerModule(optimizingCompiler: boolean): Promise<Array<{ liftoff: number; turbofan: number }>> {
  const child = spawn(process.execPath, ['--trace-wasm-compilation-times', '--import', 'tsx', script, String(optimizingCompiler)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let trace = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (trace += chunk));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  expect(code).toBe(0);
  const modules = new Map<string, { liftoff: number; turbofan: number }>();
  for (const [, module, compiler] of trace.matchAll(/^Compiled function (\S+)#\d+ using (Liftoff|TurboFan)/gm)) {
    const counts = modules.get(module!) ?? { liftoff: 0, turbofan: 0 };
    counts[compiler === 'Liftoff' ? 'liftoff' : 'turbofan']++;
    modules.set(module!, counts);
  }
  // PGlite's is by far the largest module the process compiles (Node's own, compiled at start, are small).
  return [...modules.values()].sort((a, b) => b.liftoff + b.turbofan - (a.liftoff + a.turbofan));
}

describe('the embedded database and V8', () => {
  it('compiles PGlite with the baseline compiler only by default, and with the optimizing one too when EMBEDDED_OPTIMIZING_COMPILER is on', async () => {
    const [byDefault, optimizing] = await Promise.all([compilesPerModule(false), compilesPerModule(true)]);
    expect(byDefault[0]!.liftoff).toBeGreaterThan(1000);
    expect(byDefault[0]!.turbofan).toBe(0);
    expect(optimizing[0]!.liftoff).toBeGreaterThan(1000);
    expect(optimizing[0]!.turbofan).toBeGreaterThan(10);
  });
});
