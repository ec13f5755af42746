// Remote MCP servers behind MCP_OAUTH2 connections (the gateway): JSON-RPC sent through the proxy
// with the connection's token (so refresh, rate limits, SSRF rules and the activity log apply), and
// the servers' tool lists cached briefly per connection. Speaks to stateless Streamable HTTP servers
// (no Mcp-Session-Id is kept); answers may be JSON or one SSE event.
import { LRUCache } from 'lru-cache';
import type { Viewer } from '../domain/viewer.js';
import { ProviderError, ValidationError } from '../kernel/errors.js';
import type { Proxy } from '../proxy/proxy.js';

export interface RemoteMcpTool {
  name: string;
  description: string | null;
  inputSchema: Record<string, unknown>;
}

interface Target {
  integration: string;
  mcpServerUrl: string | null;
  connectionId?: string;
  connectionName?: string;
}

const TOOLS_CACHE_TTL_MS = 60_000;

export type RemoteMcp = ReturnType<typeof createRemoteMcp>;

export function createRemoteMcp(deps: { proxy: Pick<Proxy, 'proxyRequest'> }) {
  const toolLists = new LRUCache<string, RemoteMcpTool[]>({ max: 10_000, ttl: TOOLS_CACHE_TTL_MS });

  async function rpc(viewer: Viewer, target: Target, method: string, params: Record<string, unknown>, tool?: string): Promise<Record<string, unknown>> {
    if (!target.mcpServerUrl) throw ValidationError.field('integration', `${target.integration} is not an MCP server (MCP_OAUTH2) integration.`);
    const response = await deps.proxy.proxyRequest(viewer, {
      integration: target.integration,
      connectionId: target.connectionId,
      connectionName: target.connectionName,
      method: 'POST',
      url: target.mcpServerUrl,
      headers: { accept: 'application/json, text/event-stream' },
      data: { jsonrpc: '2.0', id: 1, method, params },
      tool,
    });
    if (!response.ok) throw new ProviderError(`The MCP server answered HTTP ${response.status} to ${method}.`, { providerStatus: response.status });
    const message = (response.data ?? lastSseMessage(response.body)) as { result?: Record<string, unknown>; error?: { message?: string } } | null;
    if (message?.error)
      throw new ProviderError(`The MCP server refused ${method}: ${String(message.error.message ?? 'error')}`, { providerError: 'mcp_error' });
    if (!message?.result) throw new ProviderError(`The MCP server gave no result for ${method}.`, { providerError: 'mcp_error' });
    return message.result;
  }

  /** The tools the server offers this connection (cached for a minute per connection and version). */
  async function listTools(viewer: Viewer, connection: { id: string; sequence: number }, target: Target): Promise<RemoteMcpTool[]> {
    const key = `${connection.id}:${connection.sequence}`;
    const cached = toolLists.get(key);
    if (cached) return cached;
    const result = await rpc(viewer, { ...target, connectionId: connection.id }, 'tools/list', {});
    const tools = (Array.isArray(result.tools) ? result.tools : []).flatMap((tool: { name?: unknown; description?: unknown; inputSchema?: unknown }) =>
      typeof tool.name === 'string'
        ? [
            {
              name: tool.name,
              description: typeof tool.description === 'string' ? tool.description : null,
              inputSchema: tool.inputSchema && typeof tool.inputSchema === 'object' ? (tool.inputSchema as Record<string, unknown>) : { type: 'object' },
            },
          ]
        : [],
    );
    toolLists.set(key, tools);
    return tools;
  }

  /** tools/call on the remote server; its result (content, isError) is returned as it is. */
  function callTool(viewer: Viewer, target: Target, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    return rpc(viewer, target, 'tools/call', { name, arguments: args }, 'call_mcp_tool');
  }

  return { listTools, callTool };
}

/** The last JSON-RPC message of an SSE answer (`data:` lines). */
function lastSseMessage(body: string | null): unknown {
  if (!body) return null;
  let last: unknown = null;
  for (const event of body.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (!data) continue;
    try {
      last = JSON.parse(data);
    } catch {
      // not JSON: skipped
    }
  }
  return last;
}
