// POST /mcp: Switchboard's MCP server (Streamable HTTP, stateless: no session is kept, so any
// instance answers any request). Authenticated as GraphQL is (a user's JWT, an API key with
// X-User-Id, or an agent session's token); an agent always acts as one user, never as an admin.
import type http from 'node:http';
import type { Authenticate, Viewer } from '../domain/viewer.js';
import { AuthenticationError } from '../kernel/errors.js';
import { nodeHeaders } from '../kernel/headers.js';
import type { Logger } from '../kernel/log.js';
import { sendJson } from '../kernel/respond.js';
import type { McpSettings } from './settings.js';
import type { AgentTools } from './tools.js';

/** The viewer an agent acts as: one user, limited to an agent session's integrations where it has one. */
function agentViewer(viewer: Viewer): Viewer {
  if (viewer.connectSession && viewer.connectSession.purpose !== 'AGENT') {
    throw new AuthenticationError('A connect-session token can only connect: create an agent session (createConnectSession with purpose AGENT) for /mcp.');
  }
  if (viewer.isAdmin && viewer.via === 'api-key') {
    throw new AuthenticationError('An agent acts for one user: send X-User-Id with the API key.');
  }
  return viewer.isAdmin ? { ...viewer, isAdmin: false } : viewer;
}

function jsonRpcError(code: number, message: string) {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

export function mcpHandler(deps: { authenticate: Authenticate; tools: AgentTools; settings: McpSettings; logger: Logger }) {
  // The MCP SDK (and the JSON-schema validator it brings) loads with the first request that needs it, not at start-up.
  let sdkServer: Promise<typeof import('./sdk-server.js')> | undefined;

  return async function handleMcp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      // Stateless: no server-initiated stream (GET) and no session to end (DELETE).
      return sendJson(res, 405, jsonRpcError(-32000, 'This MCP server is stateless: POST JSON-RPC messages.'), { allow: 'POST' });
    }
    let viewer: Viewer;
    try {
      viewer = agentViewer(await deps.authenticate(nodeHeaders(req.headers)));
    } catch (error) {
      if (error instanceof AuthenticationError) {
        return sendJson(res, 401, jsonRpcError(-32001, error.message), { 'www-authenticate': 'Bearer realm="switchboard"' });
      }
      throw error;
    }
    const body = await readJson(req, deps.settings.maxRequestBytes);
    if (body === TOO_LARGE) return sendJson(res, 413, jsonRpcError(-32600, `The request exceeds ${deps.settings.maxRequestBytes} bytes.`));
    if (body === NOT_JSON) return sendJson(res, 400, jsonRpcError(-32700, 'The request is not JSON.'));

    const { serveMcpRequest } = await (sdkServer ??= import('./sdk-server.js'));
    await serveMcpRequest(deps.tools, viewer, req, res, body);
  };
}

const TOO_LARGE = Symbol('too large');
const NOT_JSON = Symbol('not JSON');

async function readJson(req: http.IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return TOO_LARGE;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return NOT_JSON;
  }
}
