// One MCP request, answered by the MCP SDK's server over its Streamable HTTP transport (stateless:
// a server per request, for the viewer the route authenticated). Loaded on the first /mcp request.
import type http from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Viewer } from '../domain/viewer.js';
import { UnknownToolError, type AgentTools } from './tools.js';

const SERVER_INFO = { name: 'switchboard', version: '0.1.0' };
const INSTRUCTIONS =
  "Switchboard holds the user's connected accounts (Slack, Google, GitHub…). Call list_connections to see them and pick an account by its connection name; call_api or a provider's own tools act as that account; if an integration is not connected, connect returns a link for the user.";

function serverFor(tools: AgentTools, viewer: Viewer): Server {
  const server = new Server(SERVER_INFO, { capabilities: { tools: { listChanged: false } }, instructions: INSTRUCTIONS });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: await tools.listTools(viewer) }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    try {
      return await tools.callTool(viewer, request.params.name, request.params.arguments ?? {});
    } catch (error) {
      if (error instanceof UnknownToolError) throw new McpError(ErrorCode.InvalidParams, error.message);
      throw error;
    }
  });
  return server;
}

/** Answers one JSON-RPC message (already read and parsed) for `viewer`. */
export async function serveMcpRequest(tools: AgentTools, viewer: Viewer, req: http.IncomingMessage, res: http.ServerResponse, body: unknown): Promise<void> {
  const server = serverFor(tools, viewer);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.once('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}
