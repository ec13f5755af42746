// Import boundaries of src/ (dependency-cruiser 17). Run: npm run lint:deps
//
// src/ is layered; a folder may import from itself and from any folder in a LOWER layer, never
// upward, and never sideways (another folder of its own layer) unless listed below.
//
//   L9  src/main.ts, src/app.ts, src/warm-up.ts, src/cli/ (the composition root: may also import src/config.ts)
//   L8b src/console/                              (the console's routes and sign-in)
//   L8  src/http/
//   L7  src/graphql/
//   L6  src/auth/
//   L5b src/mcp/                                 (the agents' MCP server: tools over the proxy and connect sessions)
//   L5  src/connect-sessions/
//   L4  src/oauth/
//   L3  src/connections/
//   L2b capabilities: src/proxy/ src/health/ src/webhooks/ src/activity/ src/metrics/ src/realtime/ src/sandbox/
//       (independent of each other; listed exception: health may import proxy)
//   L2a src/tokens/
//   L1c src/provider/
//   L1b src/domain/
//   L1a src/db/ src/crypto/ src/net/ src/catalog/ src/telemetry/ src/html/ src/generated/
//       (independent of each other; listed exception: db may import generated, the Prisma client)
//   L0  src/kernel/, src/paths.ts
//
// src/config.ts puts the settings together: only L9 (and test/, bench/) may import it; every folder
// reads its own settings.ts instead, and may import src/kernel/. No cycles between folders.
// test/ and bench/ may import anything: no rule has them on its `from` side.

/** A path regex for a list of top-level folders of src/. */
const folders = (...names) => `^src/(${names.join('|')})/`;

const L9 = '^src/(main|app|warm-up)\\.ts$|^src/cli/';
const L8b = folders('console');
const L8 = folders('http');
const L7 = folders('graphql');
const L6 = folders('auth');
const L5b = folders('mcp');
const L5 = folders('connect-sessions');
const L4 = folders('oauth');
const L3 = folders('connections');
const CAPABILITIES = ['proxy', 'health', 'webhooks', 'activity', 'metrics', 'realtime', 'sandbox'];
const L2b = folders(...CAPABILITIES);
const L2a = folders('tokens');
const L1c = folders('provider');
const L1b = folders('domain');
const INFRASTRUCTURE = ['db', 'crypto', 'net', 'catalog', 'telemetry', 'html', 'generated'];
const L1a = folders(...INFRASTRUCTURE);
// src/paths.ts (where the checkout keeps the files read at run time) is the bottom line of
// src/cli/layout.ts, below kernel/: it imports nothing of src/.
const L0 = `${folders('kernel')}|^src/paths\\.ts$`;

/** Every layer from the top down, with what a reader sees in a message. */
const LAYERS = [
  { id: 'L9', path: L9, label: 'src/main.ts, src/app.ts, src/warm-up.ts, src/cli/' },
  { id: 'L8b', path: L8b, label: 'src/console/' },
  { id: 'L8', path: L8, label: 'src/http/' },
  { id: 'L7', path: L7, label: 'src/graphql/' },
  { id: 'L6', path: L6, label: 'src/auth/' },
  { id: 'L5b', path: L5b, label: 'src/mcp/' },
  { id: 'L5', path: L5, label: 'src/connect-sessions/' },
  { id: 'L4', path: L4, label: 'src/oauth/' },
  { id: 'L3', path: L3, label: 'src/connections/' },
  { id: 'L2b', path: L2b, label: `the capabilities (${CAPABILITIES.map((name) => `src/${name}/`).join(' ')})` },
  { id: 'L2a', path: L2a, label: 'src/tokens/' },
  { id: 'L1c', path: L1c, label: 'src/provider/' },
  { id: 'L1b', path: L1b, label: 'src/domain/' },
  { id: 'L1a', path: L1a, label: `the infrastructure (${INFRASTRUCTURE.map((name) => `src/${name}/`).join(' ')})` },
  { id: 'L0', path: L0, label: 'src/kernel/ and src/paths.ts' },
];
const LAYERED = [...LAYERS.map((layer) => layer.path), '^src/config\\.ts$'].join('|');

/** One rule per layer: nothing in it imports any layer above it. */
const upwardRules = LAYERS.slice(1).map((layer, index) => {
  const above = LAYERS.slice(0, index + 1);
  return {
    name: `layer-${layer.id}-imports-upward`,
    severity: 'error',
    comment:
      `${layer.label} (${layer.id}) may not import ${above.map((upper) => upper.id).join(', ')}: ` +
      'imports go down the layers only (see the table at the top of .dependency-cruiser.cjs). ' +
      'Move the shared code down to the lowest layer that needs it, or pass it in from above.',
    from: { path: layer.path },
    to: { path: above.map((upper) => upper.path).join('|') },
  };
});

module.exports = {
  forbidden: [
    ...upwardRules,
    {
      name: 'capabilities-sideways',
      severity: 'error',
      comment:
        'A capability (src/proxy/ health/ webhooks/ activity/ metrics/ realtime/ sandbox/, L2b) may not import another ' +
        'capability; the one listed exception is health -> proxy. Share through src/tokens/, domain/, provider/ or lower, ' +
        'or compose the two in src/connections/ or above.',
      from: { path: '^src/(proxy|webhooks|activity|metrics|realtime|sandbox)/' },
      to: { path: L2b, pathNot: '^src/$1/' },
    },
    {
      name: 'capabilities-sideways-health',
      severity: 'error',
      comment:
        'src/health/ (L2b) may import src/proxy/ but no other capability (webhooks/ activity/ metrics/ realtime/ sandbox/). ' +
        'Share through src/tokens/, domain/, provider/ or lower.',
      from: { path: '^src/health/' },
      to: { path: L2b, pathNot: '^src/(health|proxy)/' },
    },
    {
      name: 'infrastructure-sideways',
      severity: 'error',
      comment:
        'An infrastructure folder (src/db/ crypto/ net/ catalog/ telemetry/ html/ generated/, L1a) may not import another ' +
        'one; the listed exception is db -> generated (the Prisma client). Put what both need in src/kernel/.',
      from: { path: '^src/(crypto|net|catalog|telemetry|html|generated)/' },
      to: { path: L1a, pathNot: '^src/$1/' },
    },
    {
      name: 'infrastructure-sideways-db',
      severity: 'error',
      comment: 'src/db/ (L1a) may import src/generated/ (the Prisma client) but no other infrastructure folder. Put what both need in src/kernel/.',
      from: { path: '^src/db/' },
      to: { path: L1a, pathNot: '^src/(db|generated)/' },
    },
    {
      name: 'config-only-from-composition-root',
      severity: 'error',
      comment:
        'Only src/main.ts, src/app.ts, src/cli/ (and test/, bench/) may import src/config.ts. A folder reads its own ' +
        'settings.ts; the composition root passes what else it needs.',
      from: { pathNot: `${L9}|^test/|^bench/` },
      to: { path: '^src/config\\.ts$' },
    },
    {
      name: 'settings-private-to-folder',
      severity: 'error',
      comment:
        "A folder may import its own settings.ts only, not another folder's (src/config.ts puts them together, and " +
        'src/main.ts, src/app.ts, src/cli/ read them from there).',
      from: { path: '^src/([^/]+)/', pathNot: L9 },
      // src/kernel/settings.ts is not a slice but the way to declare one (defineSettings): everyone may import it.
      to: { path: '^src/[^/]+/settings\\.ts$', pathNot: '^src/($1|kernel)/settings\\.ts$' },
    },
    {
      name: 'no-cycle-between-folders',
      severity: 'error',
      comment:
        'This import closes a cycle of modules that runs through more than one folder of src/. Folders depend on each ' +
        'other in one direction only; cycles inside one folder are allowed.',
      from: { path: '^src/([^/]+)/' },
      to: { circular: true, via: { pathNot: '^src/$1/' } },
    },
    {
      name: 'no-folder-cycle',
      severity: 'error',
      scope: 'folder',
      comment: 'Two folders of src/ import each other (through any of their files): folders depend on each other in one direction only.',
      from: { path: '^src/[^/]+/?$' },
      to: { path: '^src/[^/]+/?$', circular: true },
    },
    {
      name: 'config-reads-only-settings',
      severity: 'warn',
      comment: 'src/config.ts puts the settings slices together: it imports src/kernel/ and */settings.ts only.',
      from: { path: '^src/config\\.ts$' },
      to: { path: '^src/', pathNot: '^src/kernel/|^src/[^/]+/settings\\.ts$' },
    },
    {
      name: 'src-module-outside-layers',
      severity: 'warn',
      comment: 'This module of src/ is in no layer of .dependency-cruiser.cjs: move it into a layered folder, or add its folder to a layer.',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: LAYERED },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'This import resolves to nothing on disk (a typo, or a package missing from package.json): the rules above cannot see where it goes.',
      from: {},
      // scripts/start.mjs loads the build output (dist/), which exists only after `npm run build`.
      to: { couldNotResolve: true, pathNot: '(^|/)dist/' },
    },
  ],
  options: {
    // src/generated/ (the Prisma client) is a destination only: its own imports are not followed.
    doNotFollow: { path: ['node_modules', '^src/generated/'] },
    exclude: { path: ['^dist/', '^data/', '^coverage/'] },
    // Type-only imports count: an upward `import type` still couples the layers.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    skipAnalysisNotInRules: true,
    cache: { folder: 'node_modules/.cache/dependency-cruiser', strategy: 'content' },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
