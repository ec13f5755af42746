// What a resolver has: the viewer, and the app's capabilities it calls (resolvers stay thin: each
// hands its arguments to one of these).
import type { CreateConnectionInput } from '../connections/import-input.js';
import type { DisconnectOutcome } from '../connections/disconnect.js';
import type { CreateConnectSessionInput, CreatedConnectSession } from '../connect-sessions/sessions.js';
import type { Database } from '../db/database.js';
import type { ConnectionLookup, ConnectionReference } from '../domain/connection-lookup.js';
import type { Connection } from '../domain/connections.js';
import type { Integration, Integrations } from '../domain/integrations.js';
import type { Viewer } from '../domain/viewer.js';
import type { Verifier } from '../health/verify.js';
import type { StartConnectInput, StartConnectResult } from '../oauth/connect.js';
import type { McpIntegrationInput } from '../oauth/mcp-authorization.js';
import type { RemoteMcp } from '../mcp/remote.js';
import type { Proxy } from '../proxy/proxy.js';
import type { StatusStreams } from '../realtime/status-stream.js';
import type { Refresher } from '../tokens/refresher.js';
import type { WebhookEndpoints } from '../webhooks/endpoints.js';

export interface Services {
  db: Database;
  integrations: Integrations;
  /** MCP_OAUTH2 connections' remote MCP servers (Connection.mcpTools). */
  remoteMcp: RemoteMcp;
  lookup: ConnectionLookup;
  refresher: Refresher;
  proxy: Proxy;
  verifier: Verifier;
  statusStreams: StatusStreams;
  webhookEndpoints: WebhookEndpoints;
  startConnect(viewer: Viewer, input: StartConnectInput): Promise<StartConnectResult>;
  createConnection(viewer: Viewer, input: CreateConnectionInput): Promise<Connection>;
  disconnect(viewer: Viewer, reference: ConnectionReference): Promise<DisconnectOutcome>;
  createConnectSession(viewer: Viewer, input: CreateConnectSessionInput): Promise<CreatedConnectSession>;
  /** createIntegration with authType MCP_OAUTH2: discovery and dynamic client registration first. */
  createMcpIntegration(input: McpIntegrationInput): Promise<Integration>;
}

export interface Context {
  viewer: Viewer;
  app: Services;
}
