// Self-test of .dependency-cruiser.cjs: builds a throw-away src/ in the target layout whose imports
// are each either allowed or break exactly one rule, runs dependency-cruiser on it with the real
// config, and checks that the violations are exactly the expected ones (none missing, none extra).
// Run: npm run lint:deps:selftest (or node scripts/check-boundaries-config.mjs path/to/other-config.cjs)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const config = path.resolve(process.argv[2] ?? path.join(root, '.dependency-cruiser.cjs'));
const depcruise = path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

// [importing file, imported file, the rules it must break ([] = allowed), how it imports]
const EDGES = [
  // Allowed: down the layers, the listed sideways exceptions, own settings, kernel, config from L9.
  ['src/http/routes.ts', 'src/graphql/server.ts', []],
  ['src/health/check.ts', 'src/proxy/proxy.ts', []],
  ['src/db/database.ts', 'src/generated/prisma/client.ts', []],
  ['src/connections/save.ts', 'src/health/verify.ts', []],
  ['src/connections/save.ts', 'src/proxy/rules.ts', []],
  ['src/connections/save.ts', 'src/activity/recorder.ts', []],
  ['src/main.ts', 'src/config.ts', []],
  ['src/cli/migrate.ts', 'src/config.ts', []],
  ['src/proxy/proxy.ts', 'src/proxy/settings.ts', []],
  ['src/proxy/proxy.ts', 'src/kernel/errors.ts', []],
  ['src/proxy/settings.ts', 'src/kernel/settings.ts', []],
  ['src/config.ts', 'src/proxy/settings.ts', []],
  ['src/config.ts', 'src/kernel/settings.ts', []],
  ['test/anything.test.ts', 'src/main.ts', []],
  ['test/anything.test.ts', 'src/http/routes.ts', []],
  ['test/anything.test.ts', 'src/config.ts', []],
  ['bench/anything.ts', 'src/config.ts', []],
  // Upward, static, type-only and dynamic.
  ['src/kernel/ids.ts', 'src/db/client-ids.ts', ['layer-L0-imports-upward']],
  ['src/domain/viewer.ts', 'src/tokens/lease.ts', ['layer-L1b-imports-upward']],
  ['src/domain/types.ts', 'src/http/types.ts', ['layer-L1b-imports-upward'], 'type'],
  ['src/tokens/refresher.ts', 'src/webhooks/outbox.ts', ['layer-L2a-imports-upward']],
  ['src/tokens/lazy.ts', 'src/graphql/late.ts', ['layer-L2a-imports-upward'], 'dynamic'],
  ['src/graphql/builder.ts', 'src/main.ts', ['layer-L7-imports-upward']],
  // Sideways.
  ['src/proxy/proxy.ts', 'src/webhooks/send.ts', ['capabilities-sideways']],
  ['src/proxy/limits.ts', 'src/health/status.ts', ['capabilities-sideways']],
  ['src/health/check.ts', 'src/metrics/registry.ts', ['capabilities-sideways-health']],
  ['src/net/outbound.ts', 'src/crypto/keyring.ts', ['infrastructure-sideways']],
  ['src/db/database.ts', 'src/net/agent.ts', ['infrastructure-sideways-db']],
  // config.ts and settings.ts.
  ['src/http/server.ts', 'src/config.ts', ['config-only-from-composition-root']],
  ['src/oauth/connect.ts', 'src/tokens/settings.ts', ['settings-private-to-folder']],
  ['src/config.ts', 'src/http/cors.ts', ['config-reads-only-settings']],
  // A module cycle through two folders (src/cli/ and src/app.ts, which may import each other).
  ['src/cli/serve.ts', 'src/app.ts', ['no-cycle-between-folders']],
  ['src/app.ts', 'src/cli/serve.ts', []],
  // Outside every layer, and unresolvable.
  ['src/db/database.ts', 'src/paths.ts', []],
  ['src/db/database.ts', 'src/stray.ts', ['src-module-outside-layers']],
  ['src/paths.ts', 'src/kernel/errors.ts', []],
  ['src/kernel/jobs.ts', 'src/kernel/missing.ts', ['not-to-unresolvable'], 'missing'],
];
// Folder-level cycles that the edges above make: health -> proxy (allowed) and proxy -> health.
const FOLDER_CYCLES = [
  ['src/health', 'src/proxy'],
  ['src/proxy', 'src/health'],
];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boundaries-'));
try {
  const files = new Map();
  const fileOf = (name) => files.get(name) ?? (files.set(name, []), files.get(name));
  for (const [from, to, , how = 'value'] of EDGES) {
    let specifier = path.posix.relative(path.posix.dirname(from), to).replace(/\.ts$/, '.js');
    if (!specifier.startsWith('.')) specifier = `./${specifier}`;
    const id = `v${files.size}_${fileOf(from).length}`;
    fileOf(from).push(
      how === 'type'
        ? `import type { Thing as ${id} } from '${specifier}';\nexport type T_${id} = ${id};`
        : how === 'dynamic'
          ? `export const ${id} = () => import('${specifier}');`
          : `import { thing as ${id} } from '${specifier}';\nexport const use_${id} = ${id};`,
    );
    if (how !== 'missing') fileOf(to);
  }
  for (const [name, lines] of files) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, ['export const thing = 1;', 'export type Thing = number;', ...lines, ''].join('\n'));
  }
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true }, include: ['src', 'test', 'bench'] }),
  );

  const run = spawnSync(process.execPath, [depcruise, 'src', 'test', 'bench', '--config', config, '--output-type', 'json'], { cwd: dir, encoding: 'utf8' });
  if (!run.stdout) throw new Error(`dependency-cruiser printed nothing (exit ${run.status}):\n${run.stderr}`);
  const { summary } = JSON.parse(run.stdout);

  const key = (rule, from, to) => `${rule}: ${from} -> ${to}`;
  const expected = new Set([
    ...EDGES.flatMap(([from, to, rules, how]) => rules.map((rule) => key(rule, from, how === 'missing' ? './missing.js' : to))),
    ...FOLDER_CYCLES.map(([from, to]) => key('no-folder-cycle', from, to)),
  ]);
  const actual = new Set(summary.violations.map((violation) => key(violation.rule.name, violation.from, violation.to)));
  const missing = [...expected].filter((item) => !actual.has(item));
  const extra = [...actual].filter((item) => !expected.has(item));
  for (const item of missing) console.error(`missing: ${item}`);
  for (const item of extra) console.error(`unexpected: ${item}`);
  const allowed = EDGES.filter(([, , rules]) => rules.length === 0).length;
  console.log(`${expected.size} expected violations, ${allowed} allowed imports; ${missing.length} missing, ${extra.length} unexpected`);
  process.exitCode = missing.length || extra.length ? 1 : 0;
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
