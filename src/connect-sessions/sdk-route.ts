// GET /sdk/connect.js: the frontend SDK (packages/connect/index.js), served as it is in the repo.
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { projectRoot } from '../paths.js';

const SDK_FILE = path.join(projectRoot, 'packages', 'connect', 'index.js');
/** GET /sdk/connect.js; the file is read on the first request and kept. */
export function sdkHandler() {
  let source: Buffer | undefined;
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD' }).end();
    source ??= fs.readFileSync(SDK_FILE);
    res.writeHead(200, {
      'content-type': 'text/javascript; charset=utf-8',
      'content-length': source.length,
      // A module script from another origin (the app's) needs CORS; the file is public and takes no credentials.
      'access-control-allow-origin': '*',
      'cache-control': 'public, max-age=300',
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : source);
  };
}
