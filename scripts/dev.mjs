// `npm run dev`: the server (tsx watch, restarted on every change to src/) and the console (Vite, hot
// reload, at http://127.0.0.1:5173/console/ (CONSOLE_DEV_PORT), forwarding the API to the server) side by side. Stops
// both on Ctrl-C or SIGTERM, and when either ends.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
// Vite forwards the API to the server on PORT (CONSOLE_DEV_PORT: Vite's own port, 5173 by default).
const serverPort = process.env.PORT || '4000';
const env = { ...process.env, SWITCHBOARD_URL: process.env.SWITCHBOARD_URL ?? `http://127.0.0.1:${serverPort}` };
const vitePort = process.env.CONSOLE_DEV_PORT || '5173';
const children = [
  spawn(bin('tsx'), ['watch', 'src/main.ts'], { cwd: root, stdio: 'inherit', env }),
  spawn(bin('vite'), ['--config', 'console/vite.config.ts', '--host', '127.0.0.1', '--port', vitePort, '--strictPort'], { cwd: root, stdio: 'inherit', env }),
];
let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  process.exitCode = code;
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
for (const child of children) child.on('exit', (code) => stop(code ?? 0));
