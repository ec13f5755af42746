// `npm start`: builds dist/ when it is older than src/ (a fresh clone, a pull), then runs the compiled
// server in this same process. There is no process between npm and the server that could swallow a
// signal: SIGTERM or SIGINT to this process is the server's own.
import { ensureBuilt, outDir } from './build.mjs';
import { mapStackTracesLazily } from './source-maps.mjs';

try {
  await ensureBuilt();
} catch (error) {
  console.error(`switchboard: the build failed: ${error?.message ?? error}`);
  process.exit(1);
}
mapStackTracesLazily(outDir);
await import('../dist/main.js');
