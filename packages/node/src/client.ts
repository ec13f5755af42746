// A Switchboard client for a backend: the common operations over GraphQL (result unions turned into
// returned payloads or thrown typed errors) and `fetch` through the path proxy. Uses the global fetch.
import { errorFromResult, NotFoundError, SwitchboardError } from './errors.js';
import {
  SdkConnectionDocument,
  SdkConnectionsDocument,
  SdkCreateConnectSessionDocument,
  SdkDisconnectDocument,
  SdkIntegrationsDocument,
  SdkProxyRequestDocument,
  SdkRefreshConnectionDocument,
  SdkUpdateConnectionDocument,
  type ConnectionStatus,
  type CreateConnectSessionInput,
  type HttpMethod,
  type RefreshPolicy,
  type SdkConnectionFragment,
  type SdkIntegrationFragment,
  type TypedDocumentString,
} from './generated/graphql.js';

export type Connection = SdkConnectionFragment;
export type Integration = SdkIntegrationFragment;
export type { ConnectionStatus, CreateConnectSessionInput, HttpMethod, RefreshPolicy };

export interface SwitchboardOptions {
  /** Where Switchboard runs, e.g. "https://switchboard.example.com" (its PUBLIC_URL). */
  url: string;
  /**
   * An API key (API_KEYS or createApiKey); sent as X-Api-Key. Without apiKey or token the client
   * sends no credentials: only a development server with no authentication configured (the `dev`
   * user) answers that.
   */
  apiKey?: string;
  /** With an API key: act for this end user (X-User-Id), seeing and using only their connections. */
  userId?: string;
  /** Instead of an API key: a bearer token (a user's JWT). */
  token?: string;
  /** Another fetch (for tests, proxies or retries); the global fetch by default. */
  fetch?: typeof fetch;
}

export interface Page<T> {
  nodes: T[];
  totalCount: number;
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface ListConnectionsOptions {
  first?: number;
  after?: string;
  integration?: string;
  ownerId?: string;
  status?: ConnectionStatus;
  /** Connections carrying every one of these tags (values compared exactly). */
  tags?: Record<string, string>;
  search?: string;
}

export interface ConnectSession {
  token: string;
  connectUrl: string;
  expiresAt: string;
  sessionId: string;
}

export interface ProxyRequest {
  integration: string;
  /** Which of the viewer's connections to the integration; the one named "default" otherwise. */
  connectionId?: string;
  method?: HttpMethod;
  /** Relative to the integration's API base URL (or absolute under it). */
  url: string;
  headers?: Record<string, string>;
  /** A JSON body (sent as application/json). */
  data?: unknown;
  /** A raw body. */
  body?: string;
  refreshPolicy?: RefreshPolicy;
}

export interface ProxyResponse {
  ok: boolean;
  status: number;
  headers: Record<string, unknown>;
  /** The parsed body when the provider answered JSON. */
  data: unknown;
  body: string | null;
  bodyBase64: string | null;
  url: string;
  attempts: number;
  durationMs: number;
}

type Result = { __typename: string } & Record<string, unknown>;

export class Switchboard {
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof fetch;
  readonly #slugs = new Map<string, string>();

  constructor(options: SwitchboardOptions) {
    this.#url = options.url.replace(/\/+$/, '');
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#headers = {};
    if (options.apiKey) this.#headers['x-api-key'] = options.apiKey;
    if (options.token) this.#headers.authorization = `Bearer ${options.token}`;
    if (options.userId) this.#headers['x-user-id'] = options.userId;
  }

  /** A copy of this client that acts for `userId` (with the same API key). */
  forUser(userId: string): Switchboard {
    return new Switchboard({ url: this.#url, apiKey: this.#headers['x-api-key'], token: this.#headers.authorization?.slice(7), userId, fetch: this.#fetch });
  }

  /**
   * Sends one GraphQL operation (a generated document, or any document as a string); GraphQL errors
   * are thrown as SwitchboardError with their extensions.code.
   */
  async request<TResult, TVariables = Record<string, unknown>>(
    document: TypedDocumentString<TResult, TVariables> | string,
    variables: TVariables,
  ): Promise<TResult> {
    const response = await this.#fetch(`${this.#url}/graphql`, {
      method: 'POST',
      headers: { ...this.#headers, 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ query: document.toString(), variables }),
    });
    const text = await response.text();
    let answer: { data?: TResult | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      throw new SwitchboardError(`Switchboard answered HTTP ${response.status}: ${text.slice(0, 200)}`, `HTTP_${response.status}`, 'HttpError');
    }
    const first = answer.errors?.[0];
    if (first || !answer.data) {
      throw new SwitchboardError(
        first?.message ?? `Switchboard answered HTTP ${response.status} without data.`,
        first?.extensions?.code ?? `HTTP_${response.status}`,
        'GraphQLError',
        {
          errors: answer.errors ?? [],
        },
      );
    }
    return answer.data;
  }

  /** The payload of a result union, or its error member thrown as a typed error. */
  #payload<T extends Result, N extends T['__typename']>(result: T, payload: N): Extract<T, { __typename: N }> {
    if (result.__typename === payload) return result as Extract<T, { __typename: N }>;
    throw errorFromResult(result as Result & { code: string; message: string });
  }

  async listIntegrations(options: { first?: number; after?: string } = {}): Promise<Page<Integration>> {
    const { integrations } = await this.request(SdkIntegrationsDocument, options);
    return pageOf(integrations);
  }

  /** The viewer's connections (every connection for an admin key without userId), filtered. */
  async listConnections(options: ListConnectionsOptions = {}): Promise<Page<Connection>> {
    const { connections } = await this.request(SdkConnectionsDocument, options);
    for (const node of connections.edges) this.#slugs.set(node.node.id, node.node.integration.slug);
    return pageOf(connections);
  }

  /** One connection by id, or null when there is none the viewer may see. */
  async getConnection(connectionId: string): Promise<Connection | null> {
    const { node } = await this.request(SdkConnectionDocument, { id: connectionId });
    if (node?.__typename !== 'Connection') return null;
    this.#slugs.set(node.id, node.integration.slug);
    return node;
  }

  /** Replaces a connection's tags (and, when given, its display name or metadata). */
  async updateConnection(
    connectionId: string,
    changes: { tags?: Record<string, string>; displayName?: string; metadata?: Record<string, unknown> },
  ): Promise<Connection> {
    const { updateConnection } = await this.request(SdkUpdateConnectionDocument, { input: { connectionId, ...changes } });
    return this.#payload(updateConnection, 'UpdateConnectionPayload').connection;
  }

  /** A connect session: send the user to `connectUrl` (or hand `token` to @switchboard/connect). */
  async createConnectSession(input: CreateConnectSessionInput): Promise<ConnectSession> {
    const { createConnectSession } = await this.request(SdkCreateConnectSessionDocument, { input });
    const payload = this.#payload(createConnectSession, 'CreateConnectSessionPayload');
    return { token: payload.token, connectUrl: payload.connectUrl, expiresAt: payload.expiresAt, sessionId: payload.session.id };
  }

  /**
   * Calls the provider's API through a connection. Any provider status comes back as a response
   * (`ok` false for 4xx/5xx); Switchboard's own refusals (rate limit, reauthorization, …) are thrown.
   */
  async proxyRequest(request: ProxyRequest): Promise<ProxyResponse> {
    const { proxyRequest } = await this.request(SdkProxyRequestDocument, { input: request });
    const { __typename: _, ...response } = this.#payload(proxyRequest, 'ProxyResponse');
    return response;
  }

  /** Refreshes a connection's token now. */
  async refreshConnection(connectionId: string): Promise<Connection> {
    const { refreshConnection } = await this.request(SdkRefreshConnectionDocument, { input: { connectionId } });
    return this.#payload(refreshConnection, 'RefreshConnectionPayload').connection;
  }

  /** Disconnects (revoking the token at the provider where it can). */
  async disconnect(connectionId: string): Promise<{ connectionId: string; revoked: boolean }> {
    const { disconnect } = await this.request(SdkDisconnectDocument, { input: { connectionId } });
    const payload = this.#payload(disconnect, 'DisconnectPayload');
    this.#slugs.delete(connectionId);
    return { connectionId: payload.disconnectedConnectionId, revoked: payload.revoked };
  }

  /**
   * `fetch` through the path proxy: `path` is relative to the integration's API base URL, the body
   * streams through, the provider's answer comes back as it is (status, headers, body). Switchboard's
   * own refusals are JSON `{ error, message }` with a 4xx/5xx status.
   */
  async fetch(connectionId: string, path: string, init: RequestInit = {}): Promise<Response> {
    let slug = this.#slugs.get(connectionId);
    if (!slug) {
      const connection = await this.getConnection(connectionId);
      if (!connection) throw new NotFoundError(`No connection ${connectionId}.`, 'NOT_FOUND', 'NotFoundError');
      slug = connection.integration.slug;
    }
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(this.#headers)) headers.set(name, value);
    headers.set('x-connection-id', connectionId);
    const relative = path.replace(/^\/+/, '');
    return this.#fetch(`${this.#url}/api/integrations/${encodeURIComponent(slug)}/request/${relative}`, { ...init, headers });
  }
}

function pageOf<T>(connection: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: Array<{ node: T }> }): Page<T> {
  return {
    nodes: connection.edges.map((edge) => edge.node),
    totalCount: connection.totalCount,
    hasNextPage: connection.pageInfo.hasNextPage,
    endCursor: connection.pageInfo.endCursor,
  };
}
