// `npm start`: builds dist/ when it is older than src/ (a fresh clone, a pull), then runs the compiled
// server in this same process. There is no process between npm and the server that could swallow a
// signal: SIGTERM or SIGINT to this process is the server's own.
import { ensureBuilt } from './build.mjs';

try {
  await ensureBuilt();
} catch (error) {
  console.error(`switchboard: the build failed: ${error?.message ?? error}`);
  process.exit(1);
}
process.setSourceMapsEnabled(true);
await import('../dist/main.js');
