// What a resolver has: the viewer, and the app's capabilities it calls (resolvers stay thin: each
// hands its arguments to one of these).
import type { ApiKeys } from '../auth/api-keys.js';
import type { UpdateConnectionInput } from '../connections/update.js';
import { auditActorOf, type AuditActor } from '../domain/audit.js';
import type { Connection as PrismaConnection } from '../generated/prisma/client.js';
import type { CreateConnectionInput } from '../connections/import-input.js';
import type { DisconnectOutcome } from '../connections/disconnect.js';
import type { CreateConnectSessionInput, CreatedConnectSession, RevokeConnectSessionInput } from '../connect-sessions/sessions.js';
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
import type { ProviderWebhookStreams } from '../webhooks/provider/stream.js';

export interface Services {
  db: Database;
  apiKeys: ApiKeys;
  integrations: Integrations;
  /** MCP_OAUTH2 connections' remote MCP servers (Connection.mcpTools). */
  remoteMcp: RemoteMcp;
  lookup: ConnectionLookup;
  refresher: Refresher;
  proxy: Proxy;
  verifier: Verifier;
  statusStreams: StatusStreams;
  webhookEndpoints: WebhookEndpoints;
  /** Provider webhooks: where they are received (PROVIDER_WEBHOOK_BASE_URL or PUBLIC_URL) and their subscription. */
  providerWebhooks: { baseUrl: string; streams: ProviderWebhookStreams };
  startConnect(viewer: Viewer, input: StartConnectInput): Promise<StartConnectResult>;
  createConnection(viewer: Viewer, input: CreateConnectionInput): Promise<Connection>;
  disconnect(viewer: Viewer, reference: ConnectionReference, actor?: AuditActor): Promise<DisconnectOutcome>;
  updateConnection(viewer: Viewer, actor: AuditActor, input: UpdateConnectionInput): Promise<PrismaConnection>;
  createConnectSession(viewer: Viewer, input: CreateConnectSessionInput, actor?: AuditActor): Promise<CreatedConnectSession>;
  revokeConnectSession(viewer: Viewer, input: RevokeConnectSessionInput): Promise<{ id: string; revokedAt: Date }>;
  /** createIntegration with authType MCP_OAUTH2: discovery and dynamic client registration first. */
  createMcpIntegration(input: McpIntegrationInput, actor: AuditActor): Promise<Integration>;
}

/** Who the request is, for the audit trail. */
export function requestActor(context: Context): AuditActor {
  return auditActorOf(context.viewer, context.clientAddress);
}

export interface Context {
  viewer: Viewer;
  app: Services;
  /** The client's address (X-Forwarded-For honoured only from TRUSTED_PROXIES), for the audit trail. */
  clientAddress?: string | null;
}
