/* eslint-disable */
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A date-time string at UTC, such as 2007-12-03T10:15:30Z, compliant with the `date-time` format outlined in section 5.6 of the RFC 3339 profile of the ISO 8601 standard for representation of dates and times using the Gregorian calendar. */
  DateTime: { input: string; output: string; }
  /** The `JSON` scalar type represents JSON values as specified by [ECMA-404](http://www.ecma-international.org/publications/files/ECMA-ST/ECMA-404.pdf). */
  JSON: { input: unknown; output: unknown; }
  /** The `JSONObject` scalar type represents JSON objects as specified by [ECMA-404](http://www.ecma-international.org/publications/files/ECMA-ST/ECMA-404.pdf). */
  JSONObject: { input: Record<string, unknown>; output: Record<string, unknown>; }
};

export type ApiKey = Node & {
  __typename?: 'ApiKey';
  createdAt: Scalars['DateTime']['output'];
  /** Who created it (a user id or another key's name). */
  createdBy?: Maybe<Scalars['String']['output']>;
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  lastUsedAt?: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
  /** The first characters of the key, enough to recognise it; never the whole key. */
  prefix: Scalars['String']['output'];
  revokedAt?: Maybe<Scalars['DateTime']['output']>;
  scopes: Array<ApiKeyScope>;
};

export type ApiKeyConnection = {
  __typename?: 'ApiKeyConnection';
  edges: Array<ApiKeyEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ApiKeyEdge = {
  __typename?: 'ApiKeyEdge';
  cursor: Scalars['String']['output'];
  node: ApiKey;
};

export type ApiKeyScope =
  /** Everything, as the API_KEYS keys of the configuration can. */
  | 'ADMIN'
  /** Read the audit trail. */
  | 'AUDIT_READ'
  /** Read every connection (never its credentials). */
  | 'CONNECTIONS_READ'
  /** Create, import, update, refresh, verify and disconnect connections; create connect sessions. */
  | 'CONNECTIONS_WRITE'
  /** Read connections' credentials. */
  | 'CREDENTIALS_READ'
  /** Create, change and delete integrations; read the catalog. */
  | 'INTEGRATIONS_WRITE'
  /** Read the activity log. */
  | 'OPERATIONS_READ'
  /** Call providers' APIs through proxyRequest and the path proxy. */
  | 'PROXY'
  /** Manage webhook endpoints and read their deliveries. */
  | 'WEBHOOKS_WRITE';

export type AuditActorKind =
  /** An API key, named by its name. */
  | 'API_KEY'
  /** A connect-session token, named by its end user. */
  | 'CONNECT_SESSION'
  /** Switchboard itself (a job, a start-up file). */
  | 'SYSTEM'
  /** A user authenticated by a JWT (or a key acting for a user). */
  | 'USER';

/** Who did what to which resource: every change to integrations, API keys, webhook endpoints, connections' settings, and every read of credentials. */
export type AuditEvent = Node & {
  __typename?: 'AuditEvent';
  /** A dotted name, e.g. integration.created, integration.updated, api_key.revoked, webhook_endpoint.secret_rotated, connection.updated, connection.credentials_read. */
  action: Scalars['String']['output'];
  actor: Scalars['String']['output'];
  actorKind: AuditActorKind;
  at: Scalars['DateTime']['output'];
  /** Changed fields by name, with old and new values; secrets appear as changed, never their values. */
  changes?: Maybe<Scalars['JSONObject']['output']>;
  id: Scalars['ID']['output'];
  /** The client's address as the server saw it (after TRUSTED_PROXIES). */
  ipAddress?: Maybe<Scalars['String']['output']>;
  /** The global id of what it was done to, where there is one. */
  targetId?: Maybe<Scalars['ID']['output']>;
};

export type AuditEventConnection = {
  __typename?: 'AuditEventConnection';
  edges: Array<AuditEventEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type AuditEventEdge = {
  __typename?: 'AuditEventEdge';
  cursor: Scalars['String']['output'];
  node: AuditEvent;
};

export type AuthType =
  | 'API_KEY'
  | 'BASIC'
  | 'GITHUB_APP'
  | 'JWT_BEARER'
  | 'MCP_OAUTH2'
  | 'OAUTH1'
  | 'OAUTH2'
  | 'OAUTH2_CLIENT_CREDENTIALS'
  | 'SELF_SIGNED_JWT'
  | 'TWO_STEP';

export type ConnectSession = {
  __typename?: 'ConnectSession';
  connectionName: Scalars['String']['output'];
  endUserId: Scalars['String']['output'];
  expiresAt: Scalars['DateTime']['output'];
  /** The session, for revokeConnectSession. */
  id: Scalars['ID']['output'];
  /** The integrations offered. */
  integrations: Array<Integration>;
  purpose: ConnectSessionPurpose;
  /** Whether the session outlives its first successful connect. */
  reusable: Scalars['Boolean']['output'];
  /** Copied to every connection the session makes (not shown to the session's own token). */
  tags: Scalars['JSONObject']['output'];
};

export type ConnectSessionPurpose =
  /** An agent session: the token also authenticates an AI agent at PUBLIC_URL/mcp, acting as the end user on the offered integrations only, until it expires. It can still not call GraphQL beyond connecting. */
  | 'AGENT'
  /** The token can only connect (the hosted connect page, the SDK). */
  | 'CONNECT';

export type Connection = Node & {
  __typename?: 'Connection';
  apiBaseUrl?: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** The secrets themselves. Readable by admins, and by the owner where the integration sets ownerCanReadCredentials; refreshes per policy. */
  credentials?: Maybe<Credentials>;
  /** A name for people to recognise it by (the provider account's email or workspace), where the provider gave one or the app set one. */
  displayName?: Maybe<Scalars['String']['output']>;
  /** Who set displayName: the provider (updated at each connect and credential check) or the app (updateConnection; the provider never overwrites it). */
  displayNameSource?: Maybe<DisplayNameSource>;
  id: Scalars['ID']['output'];
  integration: Integration;
  isShared: Scalars['Boolean']['output'];
  lastAuthorizedAt?: Maybe<Scalars['DateTime']['output']>;
  lastRefreshedAt?: Maybe<Scalars['DateTime']['output']>;
  /** When a proxied call last used it. */
  lastUsedAt?: Maybe<Scalars['DateTime']['output']>;
  /** When its credentials were last checked with the provider, and whether they were accepted. */
  lastVerifiedAt?: Maybe<Scalars['DateTime']['output']>;
  /** MCP_OAUTH2 connections: the tools the MCP server offers this connection (listed through it, cached briefly). */
  mcpTools?: Maybe<Array<McpTool>>;
  /** Provider-specific data kept with the connection (tenant, instance URL, ...). */
  metadata: Scalars['JSONObject']['output'];
  /** Label unique per integration and owner, e.g. "default", "maria". */
  name: Scalars['String']['output'];
  /** Newest first. */
  operations: OperationConnection;
  /** The user who owns it; null for a shared connection. */
  ownerId?: Maybe<Scalars['String']['output']>;
  /** The provider's id of the connected account, where the catalog entry says where to find it. */
  providerAccountId?: Maybe<Scalars['String']['output']>;
  refreshTokenExpiresAt?: Maybe<Scalars['DateTime']['output']>;
  scopes: Array<Scalars['String']['output']>;
  /** Increases by one on every change of the connection. */
  sequence: Scalars['Int']['output'];
  status: ConnectionStatus;
  statusMessage?: Maybe<Scalars['String']['output']>;
  /** Up to 10 string pairs that tie the connection to the app's own records (e.g. organizationId, userEmail); set on the connect session or by updateConnection, filterable, and sent in webhooks. */
  tags: Scalars['JSONObject']['output'];
  tokenExpiresAt?: Maybe<Scalars['DateTime']['output']>;
  updatedAt: Scalars['DateTime']['output'];
};


export type ConnectionCredentialsArgs = {
  refreshPolicy?: InputMaybe<RefreshPolicy>;
};


export type ConnectionOperationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  kind?: InputMaybe<OperationKind>;
  last?: InputMaybe<Scalars['Int']['input']>;
  outcome?: InputMaybe<OperationOutcome>;
};

export type ConnectionConnection = {
  __typename?: 'ConnectionConnection';
  edges: Array<ConnectionEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ConnectionEdge = {
  __typename?: 'ConnectionEdge';
  cursor: Scalars['String']['output'];
  node: Connection;
};

export type ConnectionStatus =
  /** Revoked and removed; only ever seen on events. */
  | 'DISCONNECTED'
  /** The provider rejected the credentials (e.g. invalid_grant); the user must connect again. */
  | 'ERROR'
  /** The access token is expired and cannot be refreshed right now; a retry may succeed. */
  | 'EXPIRED'
  /** Credentials are present and the last use or refresh succeeded. */
  | 'HEALTHY';

/** A change of a connection's status. Events carry ids, status and tags; `connection` is read when delivered. */
export type ConnectionStatusEvent = {
  __typename?: 'ConnectionStatusEvent';
  at: Scalars['DateTime']['output'];
  /** Null once the connection is gone. */
  connection?: Maybe<Connection>;
  connectionId: Scalars['ID']['output'];
  integrationSlug: Scalars['String']['output'];
  previousStatus?: Maybe<ConnectionStatus>;
  reason?: Maybe<Scalars['String']['output']>;
  sequence: Scalars['Int']['output'];
  status: ConnectionStatus;
  /** The connection's tags at the change, as webhooks carry them. */
  tags: Scalars['JSONObject']['output'];
};

export type CreateApiKeyInput = {
  /** Null: never expires. */
  expiresInSeconds?: InputMaybe<Scalars['Int']['input']>;
  name: Scalars['String']['input'];
  scopes: Array<ApiKeyScope>;
};

export type CreateApiKeyPayload = {
  __typename?: 'CreateApiKeyPayload';
  apiKey: ApiKey;
  /** The key itself, shown this once; only its hash is kept. */
  secret: Scalars['String']['output'];
};

export type CreateApiKeyResult = CreateApiKeyPayload | ForbiddenError | ValidationError;

export type CreateConnectSessionInput = {
  connectionName?: InputMaybe<Scalars['String']['input']>;
  /** The user the connections will belong to. Admins give any id; a user may only give their own (the default). */
  endUserId?: InputMaybe<Scalars['String']['input']>;
  /** Lifetime in seconds, at most the server's maximum (default 30 minutes). */
  expiresInSeconds?: InputMaybe<Scalars['Int']['input']>;
  /** Integrations offered, by slug or ID; every integration when omitted. */
  integrations?: InputMaybe<Array<Scalars['String']['input']>>;
  /** AGENT makes a token for an AI agent at /mcp. */
  purpose?: InputMaybe<ConnectSessionPurpose>;
  /** Where the browser goes after connecting; must be on an allowed origin. */
  redirectTo?: InputMaybe<Scalars['String']['input']>;
  /** Keep the session after its first successful connect. By default a CONNECT session ends then (its token sits in a URL, and a live one could replace the connection the user just made); an AGENT session is reusable unless this says false. */
  reusable?: InputMaybe<Scalars['Boolean']['input']>;
  /** Up to 10 string pairs (keys 1-64 of a-z A-Z 0-9 _ . -, values up to 255 characters) copied to every connection the session makes, as Connection.tags. */
  tags?: InputMaybe<Scalars['JSONObject']['input']>;
};

export type CreateConnectSessionPayload = {
  __typename?: 'CreateConnectSessionPayload';
  /** The hosted connect page for this session. */
  connectUrl: Scalars['String']['output'];
  expiresAt: Scalars['DateTime']['output'];
  session: ConnectSession;
  /** A bearer token for the browser; it can only connect, for this end user and these integrations. */
  token: Scalars['String']['output'];
};

export type CreateConnectSessionResult = CreateConnectSessionPayload | ForbiddenError | NotFoundError | QuotaExceededError | ValidationError;

/** Credentials obtained elsewhere: OAuth tokens (a refresh token alone is checked by refreshing once), an API key, or basic credentials; for client credentials, JWT bearer and GitHub App integrations, what the server needs to obtain tokens itself (a token is obtained before the connection is stored). */
export type CreateConnectionInput = {
  accessToken?: InputMaybe<Scalars['String']['input']>;
  apiKey?: InputMaybe<Scalars['String']['input']>;
  /** JWT_BEARER: the identity the assertion is issued by (a service account email). */
  clientEmail?: InputMaybe<Scalars['String']['input']>;
  connectionName?: InputMaybe<Scalars['String']['input']>;
  expiresAt?: InputMaybe<Scalars['DateTime']['input']>;
  /** GITHUB_APP: the installation to mint tokens for (admins only). */
  installationId?: InputMaybe<Scalars['String']['input']>;
  integration: Scalars['String']['input'];
  /** SELF_SIGNED_JWT: the key's id (App Store Connect's Key ID), sent as the tokens' kid. */
  keyId?: InputMaybe<Scalars['String']['input']>;
  metadata?: InputMaybe<Scalars['JSONObject']['input']>;
  password?: InputMaybe<Scalars['String']['input']>;
  /** JWT_BEARER: the service account's private key (PEM, or Google's JSON key file); SELF_SIGNED_JWT: the signing key (a .p8 PEM, or Ghost's id:secret); write-only. */
  privateKey?: InputMaybe<Scalars['String']['input']>;
  refreshToken?: InputMaybe<Scalars['String']['input']>;
  /** Admins only: store the credentials without checking them with the provider. */
  skipVerification?: InputMaybe<Scalars['Boolean']['input']>;
  /** JWT_BEARER: the user to act as (domain-wide delegation; a Salesforce username). */
  subject?: InputMaybe<Scalars['String']['input']>;
  /** Up to 10 string pairs for the connection (as Connection.tags); they replace a reconnected connection's. A connect session's token gives none: its connections get the session's tags. */
  tags?: InputMaybe<Scalars['JSONObject']['input']>;
  /** OAUTH1: the token secret that goes with accessToken. */
  tokenSecret?: InputMaybe<Scalars['String']['input']>;
  username?: InputMaybe<Scalars['String']['input']>;
};

export type CreateConnectionPayload = {
  __typename?: 'CreateConnectionPayload';
  connection: Connection;
};

export type CreateConnectionResult = CreateConnectionPayload | ForbiddenError | NotFoundError | ProviderError | ValidationError;

export type CreateIntegrationInput = {
  apiBaseUrl?: InputMaybe<Scalars['String']['input']>;
  /** GITHUB_APP: the app's id (the issuer of its app JWTs). */
  appId?: InputMaybe<Scalars['String']['input']>;
  authType?: InputMaybe<AuthType>;
  /** Extra authorization request parameters, e.g. { access_type: "offline" }. */
  authorizationParams?: InputMaybe<Scalars['JSONObject']['input']>;
  authorizationUrl?: InputMaybe<Scalars['String']['input']>;
  clientId?: InputMaybe<Scalars['String']['input']>;
  clientSecret?: InputMaybe<Scalars['String']['input']>;
  /** Connection config values fixed by the admin for every connection, e.g. { host: "sso.acme.com" } for a self-hosted Keycloak or a custom domain. Users cannot override them; hosts a user may give must match the provider's patterns. */
  connectionConfig?: InputMaybe<Scalars['JSONObject']['input']>;
  isShared?: InputMaybe<Scalars['Boolean']['input']>;
  /** OpenID Connect issuer; endpoints come from discovery. */
  issuer?: InputMaybe<Scalars['String']['input']>;
  logoUrl?: InputMaybe<Scalars['String']['input']>;
  /** MCP_OAUTH2: the MCP server's URL (its Streamable HTTP endpoint). */
  mcpServerUrl?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  ownerCanReadCredentials?: InputMaybe<Scalars['Boolean']['input']>;
  /** GITHUB_APP: the app's private key (PEM); JWT_BEARER: a key shared by the integration's connections; private_key_jwt: the key that signs client assertions. Write-only like clientSecret. */
  privateKey?: InputMaybe<Scalars['String']['input']>;
  /** private_key_jwt: the key's id as the provider shows it (kid; Microsoft: the certificate's SHA-256 thumbprint, base64url). */
  privateKeyId?: InputMaybe<Scalars['String']['input']>;
  /** Built-in provider template key, or "custom". */
  provider: Scalars['String']['input'];
  /** The secret the provider signs its webhooks with (Slack's signing secret, a GitHub webhook secret, Stripe's whsec_…). Write-only. */
  providerWebhookSecret?: InputMaybe<Scalars['String']['input']>;
  /** How the provider's webhooks are verified and routed, instead of the catalog's: e.g. { verification: { header: "x-signature", prefix: "sha256=" } } for a generic HMAC over the raw body (see docs/provider-webhooks.md). */
  providerWebhooks?: InputMaybe<Scalars['JSONObject']['input']>;
  /** OAUTH1: where temporary credentials are requested. */
  requestTokenUrl?: InputMaybe<Scalars['String']['input']>;
  revocationUrl?: InputMaybe<Scalars['String']['input']>;
  scopes?: InputMaybe<Array<Scalars['String']['input']>>;
  /** OAUTH1: how requests are signed (default HMAC-SHA1; NetSuite uses HMAC-SHA256). */
  signatureMethod?: InputMaybe<OAuth1SignatureMethod>;
  slug: Scalars['String']['input'];
  tokenEndpointAuthMethod?: InputMaybe<TokenEndpointAuthMethod>;
  /** OAUTH2_CLIENT_CREDENTIALS, JWT_BEARER: extra token request parameters, e.g. { audience: "https://api.example" }. */
  tokenParams?: InputMaybe<Scalars['JSONObject']['input']>;
  tokenUrl?: InputMaybe<Scalars['String']['input']>;
  userinfoUrl?: InputMaybe<Scalars['String']['input']>;
};

export type CreateIntegrationPayload = {
  __typename?: 'CreateIntegrationPayload';
  integration: Integration;
};

export type CreateIntegrationResult = CreateIntegrationPayload | ForbiddenError | ValidationError;

export type CreateWebhookEndpointInput = {
  description?: InputMaybe<Scalars['String']['input']>;
  /** Empty or omitted: every event type. */
  eventTypes?: InputMaybe<Array<WebhookEventType>>;
  url: Scalars['String']['input'];
};

export type CreateWebhookEndpointPayload = {
  __typename?: 'CreateWebhookEndpointPayload';
  /** The signing secret (whsec_…). Returned here and by rotateWebhookSecret only. */
  secret: Scalars['String']['output'];
  webhookEndpoint: WebhookEndpoint;
};

export type CreateWebhookEndpointResult = CreateWebhookEndpointPayload | ForbiddenError | ValidationError;

/** The secrets of a connection. Only admins, and owners where the integration allows it, can read them. */
export type Credentials = {
  __typename?: 'Credentials';
  accessToken?: Maybe<Scalars['String']['output']>;
  apiKey?: Maybe<Scalars['String']['output']>;
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  /** Seconds until the access token expires (0 once expired). */
  expiresIn?: Maybe<Scalars['Int']['output']>;
  password?: Maybe<Scalars['String']['output']>;
  /** The provider's token response without the tokens (e.g. Slack's team, Salesforce's instance_url). */
  raw?: Maybe<Scalars['JSONObject']['output']>;
  refreshToken?: Maybe<Scalars['String']['output']>;
  scope?: Maybe<Scalars['String']['output']>;
  /** OAUTH1: the token secret that signs requests with accessToken. */
  tokenSecret?: Maybe<Scalars['String']['output']>;
  tokenType?: Maybe<Scalars['String']['output']>;
  username?: Maybe<Scalars['String']['output']>;
};

export type DeleteIntegrationInput = {
  integration: Scalars['String']['input'];
};

export type DeleteIntegrationPayload = {
  __typename?: 'DeleteIntegrationPayload';
  deletedIntegrationId: Scalars['ID']['output'];
};

export type DeleteIntegrationResult = DeleteIntegrationPayload | ForbiddenError | NotFoundError;

export type DeleteWebhookEndpointInput = {
  id: Scalars['ID']['input'];
};

export type DeleteWebhookEndpointPayload = {
  __typename?: 'DeleteWebhookEndpointPayload';
  deletedWebhookEndpointId: Scalars['ID']['output'];
};

export type DeleteWebhookEndpointResult = DeleteWebhookEndpointPayload | ForbiddenError | NotFoundError;

export type DisconnectInput = {
  /** Either connectionId, or integration with an optional connectionName. */
  connectionId?: InputMaybe<Scalars['ID']['input']>;
  connectionName?: InputMaybe<Scalars['String']['input']>;
  integration?: InputMaybe<Scalars['String']['input']>;
};

export type DisconnectPayload = {
  __typename?: 'DisconnectPayload';
  disconnectedConnectionId: Scalars['ID']['output'];
  /** Whether the provider confirmed revocation of the tokens. */
  revoked: Scalars['Boolean']['output'];
};

export type DisconnectResult = DisconnectPayload | ForbiddenError | NotFoundError | ValidationError;

export type DisplayNameSource =
  /** Set by the app with updateConnection. */
  | 'APP'
  /** Read from the provider's answer where the catalog entry's identity says. */
  | 'PROVIDER';

export type Error = {
  code: ErrorCode;
  message: Scalars['String']['output'];
};

export type ErrorCode =
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'PROVIDER_ERROR'
  | 'QUOTA_EXCEEDED'
  | 'RATE_LIMITED'
  | 'REAUTHORIZATION_REQUIRED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'VALIDATION';

export type FieldError = {
  __typename?: 'FieldError';
  field: Scalars['String']['output'];
  message: Scalars['String']['output'];
};

export type ForbiddenError = Error & {
  __typename?: 'ForbiddenError';
  code: ErrorCode;
  message: Scalars['String']['output'];
};

export type HttpMethod =
  | 'DELETE'
  | 'GET'
  | 'HEAD'
  | 'OPTIONS'
  | 'PATCH'
  | 'POST'
  | 'PUT';

export type Integration = Node & {
  __typename?: 'Integration';
  apiBaseUrl?: Maybe<Scalars['String']['output']>;
  /** GITHUB_APP: the app id. */
  appId?: Maybe<Scalars['String']['output']>;
  authType: AuthType;
  authorizationParams: Scalars['JSONObject']['output'];
  authorizationUrl?: Maybe<Scalars['String']['output']>;
  clientId?: Maybe<Scalars['String']['output']>;
  /** The viewer's connection named `name` (default "default"), or the shared one. */
  connection?: Maybe<Connection>;
  /** The viewer's connections to this integration (all of them for an admin). */
  connections: ConnectionConnection;
  createdAt: Scalars['DateTime']['output'];
  /** Whether a client secret is configured. The secret itself is never readable. */
  hasClientSecret: Scalars['Boolean']['output'];
  /** Whether a private key is configured (GitHub App, or a shared JWT bearer key). The key itself is never readable. */
  hasPrivateKey: Scalars['Boolean']['output'];
  /** Whether a signing secret for the provider's webhooks is set (write-only: providerWebhookSecret on create/update). */
  hasProviderWebhookSecret: Scalars['Boolean']['output'];
  id: Scalars['ID']['output'];
  /** One connection shared by all users, instead of one per user. */
  isShared: Scalars['Boolean']['output'];
  issuer?: Maybe<Scalars['String']['output']>;
  logoUrl?: Maybe<Scalars['String']['output']>;
  /** MCP_OAUTH2: the MCP server's URL. */
  mcpServerUrl?: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  /** Whether a connection's owner may read its credentials (admins always may). */
  ownerCanReadCredentials: Scalars['Boolean']['output'];
  /** Key of the built-in provider template it was made from, or "custom". */
  provider: Scalars['String']['output'];
  /** Where the provider must send its webhooks for this integration (register it with the provider); null where the provider sends none. */
  providerWebhookUrl?: Maybe<Scalars['String']['output']>;
  /** OAUTH1: where temporary credentials are requested. */
  requestTokenUrl?: Maybe<Scalars['String']['output']>;
  revocationUrl?: Maybe<Scalars['String']['output']>;
  scopes: Array<Scalars['String']['output']>;
  slug: Scalars['String']['output'];
  tokenUrl?: Maybe<Scalars['String']['output']>;
  updatedAt: Scalars['DateTime']['output'];
};


export type IntegrationConnectionArgs = {
  name?: InputMaybe<Scalars['String']['input']>;
};


export type IntegrationConnectionsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<ConnectionStatus>;
};

export type IntegrationConnection = {
  __typename?: 'IntegrationConnection';
  edges: Array<IntegrationEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type IntegrationEdge = {
  __typename?: 'IntegrationEdge';
  cursor: Scalars['String']['output'];
  node: Integration;
};

export type McpTool = {
  __typename?: 'McpTool';
  description?: Maybe<Scalars['String']['output']>;
  /** The tool's input JSON Schema. */
  inputSchema: Scalars['JSON']['output'];
  name: Scalars['String']['output'];
};

export type McpTransport =
  | 'STREAMABLE_HTTP';

export type Mutation = {
  __typename?: 'Mutation';
  createApiKey: CreateApiKeyResult;
  createConnectSession: CreateConnectSessionResult;
  createConnection: CreateConnectionResult;
  createIntegration: CreateIntegrationResult;
  createWebhookEndpoint: CreateWebhookEndpointResult;
  deleteIntegration: DeleteIntegrationResult;
  deleteWebhookEndpoint: DeleteWebhookEndpointResult;
  /** Revokes the tokens at the provider (RFC 7009) and deletes the connection. */
  disconnect: DisconnectResult;
  /** Calls the provider's API with the connection's credentials, refreshing and retrying where that is right. */
  proxyRequest: ProxyRequestResult;
  redeliverWebhook: RedeliverWebhookResult;
  /** Refreshes the tokens now (refresh policy FORCE). */
  refreshConnection: RefreshConnectionResult;
  revokeApiKey: RevokeApiKeyResult;
  /** Ends a connect session now: its token stops working and the flows it started cannot complete. */
  revokeConnectSession: RevokeConnectSessionResult;
  rotateWebhookSecret: RotateWebhookSecretResult;
  startConnect: StartConnectResult;
  updateConnection: UpdateConnectionResult;
  updateIntegration: UpdateIntegrationResult;
  updateWebhookEndpoint: UpdateWebhookEndpointResult;
  /** Checks the stored credentials with the provider (refreshing per AUTO first); a refusal that a refresh does not fix marks the connection ERROR. */
  verifyConnection: VerifyConnectionResult;
};


export type MutationCreateApiKeyArgs = {
  input: CreateApiKeyInput;
};


export type MutationCreateConnectSessionArgs = {
  input: CreateConnectSessionInput;
};


export type MutationCreateConnectionArgs = {
  input: CreateConnectionInput;
};


export type MutationCreateIntegrationArgs = {
  input: CreateIntegrationInput;
};


export type MutationCreateWebhookEndpointArgs = {
  input: CreateWebhookEndpointInput;
};


export type MutationDeleteIntegrationArgs = {
  input: DeleteIntegrationInput;
};


export type MutationDeleteWebhookEndpointArgs = {
  input: DeleteWebhookEndpointInput;
};


export type MutationDisconnectArgs = {
  input: DisconnectInput;
};


export type MutationProxyRequestArgs = {
  input: ProxyRequestInput;
};


export type MutationRedeliverWebhookArgs = {
  input: RedeliverWebhookInput;
};


export type MutationRefreshConnectionArgs = {
  input: RefreshConnectionInput;
};


export type MutationRevokeApiKeyArgs = {
  input: RevokeApiKeyInput;
};


export type MutationRevokeConnectSessionArgs = {
  input: RevokeConnectSessionInput;
};


export type MutationRotateWebhookSecretArgs = {
  input: RotateWebhookSecretInput;
};


export type MutationStartConnectArgs = {
  input: StartConnectInput;
};


export type MutationUpdateConnectionArgs = {
  input: UpdateConnectionInput;
};


export type MutationUpdateIntegrationArgs = {
  input: UpdateIntegrationInput;
};


export type MutationUpdateWebhookEndpointArgs = {
  input: UpdateWebhookEndpointInput;
};


export type MutationVerifyConnectionArgs = {
  input: VerifyConnectionInput;
};

export type Node = {
  id: Scalars['ID']['output'];
};

export type NotFoundError = Error & {
  __typename?: 'NotFoundError';
  code: ErrorCode;
  message: Scalars['String']['output'];
};

export type OAuth1SignatureMethod =
  | 'HMAC_SHA1'
  | 'HMAC_SHA256'
  | 'PLAINTEXT';

export type Operation = Node & {
  __typename?: 'Operation';
  at: Scalars['DateTime']['output'];
  /** Null once the connection is gone; connectionId stays. */
  connection?: Maybe<Connection>;
  connectionId?: Maybe<Scalars['ID']['output']>;
  durationMs?: Maybe<Scalars['Float']['output']>;
  /** What went wrong, in words; never a secret. */
  error?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  integrationSlug: Scalars['String']['output'];
  kind: OperationKind;
  /** For calls to the provider: the HTTP method and the path, without the query string. */
  method?: Maybe<Scalars['String']['output']>;
  outcome: OperationOutcome;
  /** The user it was done for, where there is one. */
  ownerId?: Maybe<Scalars['String']['output']>;
  path?: Maybe<Scalars['String']['output']>;
  /** The provider's HTTP status, where there was an answer. */
  providerStatus?: Maybe<Scalars['Int']['output']>;
  /** Calls made by an MCP tool (PUBLIC_URL/mcp): the tool's name. */
  tool?: Maybe<Scalars['String']['output']>;
};

export type OperationConnection = {
  __typename?: 'OperationConnection';
  edges: Array<OperationEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type OperationEdge = {
  __typename?: 'OperationEdge';
  cursor: Scalars['String']['output'];
  node: Operation;
};

export type OperationKind =
  | 'CONNECT'
  | 'DISCONNECT'
  | 'PROXY'
  | 'REFRESH'
  | 'VERIFY'
  | 'WEBHOOK';

export type OperationOutcome =
  /** An error of Switchboard or the network, or a provider status of 400 or more. */
  | 'FAILURE'
  /** Done, and where a provider answered, with a status below 400. */
  | 'SUCCESS';

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
  hasPreviousPage: Scalars['Boolean']['output'];
  startCursor?: Maybe<Scalars['String']['output']>;
};

/** A built-in provider template: createIntegration(input: { provider: key, clientId, clientSecret }) fills in the rest. */
export type Provider = {
  __typename?: 'Provider';
  apiBaseUrl?: Maybe<Scalars['String']['output']>;
  authType: AuthType;
  categories: Array<Scalars['String']['output']>;
  /** What a user must supply when connecting (with defaults where there are any). */
  connectionConfig: Array<ProviderConfigField>;
  defaultScopes: Array<Scalars['String']['output']>;
  docsUrl: Scalars['String']['output'];
  key: Scalars['String']['output'];
  logoUrl?: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  /** Whether an integration needs a clientId and clientSecret (OAuth 2.0 providers). */
  needsClientCredentials: Scalars['Boolean']['output'];
  notes?: Maybe<Scalars['String']['output']>;
  /** required, supported or unsupported. */
  pkce: Scalars['String']['output'];
};

/** A value the user supplies when connecting (startConnect connectionConfig), e.g. a subdomain. */
export type ProviderConfigField = {
  __typename?: 'ProviderConfigField';
  /** For a choice (a region, a data centre): the values a user picks from. */
  choices?: Maybe<Array<Scalars['String']['output']>>;
  default?: Maybe<Scalars['String']['output']>;
  description: Scalars['String']['output'];
  example?: Maybe<Scalars['String']['output']>;
  /** For a host value: the host patterns a user may give (e.g. *.okta.com); an admin may set any host on the integration. */
  hosts?: Maybe<Array<Scalars['String']['output']>>;
  /** label (a subdomain), segment (a path part), host (a whole host name), text (a token request value) or choice (one of choices). */
  kind: Scalars['String']['output'];
  name: Scalars['String']['output'];
  /** Only an admin sets it, on the integration (createIntegration connectionConfig); users are not asked. */
  setByAdmin: Scalars['Boolean']['output'];
};

/** The provider answered with an OAuth error or an unusable response. */
export type ProviderError = Error & {
  __typename?: 'ProviderError';
  code: ErrorCode;
  message: Scalars['String']['output'];
  providerError?: Maybe<Scalars['String']['output']>;
  providerErrorDescription?: Maybe<Scalars['String']['output']>;
  providerStatus?: Maybe<Scalars['Int']['output']>;
  /** Seconds until a new token request will be made (the refresh cooldown after a transient failure). */
  retryAfterSeconds?: Maybe<Scalars['Int']['output']>;
};

/** One webhook a provider sent. The payload is kept for WEBHOOK_LOG_RETENTION_DAYS. */
export type ProviderWebhook = Node & {
  __typename?: 'ProviderWebhook';
  /** The connections it was matched to. */
  connections: Array<Connection>;
  /** The provider's own event type where it names one (e.g. push, message, customer.updated). */
  eventType?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  integration: Integration;
  outcome: ProviderWebhookOutcome;
  payload?: Maybe<Scalars['JSON']['output']>;
  /** The provider's own event id where it gives one. */
  providerEventId?: Maybe<Scalars['String']['output']>;
  receivedAt: Scalars['DateTime']['output'];
};

export type ProviderWebhookConnection = {
  __typename?: 'ProviderWebhookConnection';
  edges: Array<ProviderWebhookEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ProviderWebhookEdge = {
  __typename?: 'ProviderWebhookEdge';
  cursor: Scalars['String']['output'];
  node: ProviderWebhook;
};

export type ProviderWebhookOutcome =
  /** Seen before (the provider's event id): not forwarded again. */
  | 'DUPLICATE'
  /** Signature checked, matched to one or more connections, forwarded. */
  | 'FORWARDED'
  /** A handshake or challenge the provider sends to check the URL, answered. */
  | 'HANDSHAKE'
  /** Signature missing or wrong, or too old: refused, nothing forwarded. */
  | 'REJECTED'
  /** Signature checked, no connection matched; forwarded with no connection. */
  | 'UNMATCHED';

export type ProxyRequestInput = {
  /** Sent as is, instead of data. */
  body?: InputMaybe<Scalars['String']['input']>;
  /** Defaults to the viewer's "default" connection, or the shared one. */
  connectionId?: InputMaybe<Scalars['ID']['input']>;
  /** Sent as JSON. */
  data?: InputMaybe<Scalars['JSON']['input']>;
  /** Passed through an allow-list; Authorization, Cookie, Host and hop-by-hop headers are dropped. */
  headers?: InputMaybe<Scalars['JSONObject']['input']>;
  integration: Scalars['String']['input'];
  method?: InputMaybe<HttpMethod>;
  refreshPolicy?: InputMaybe<RefreshPolicy>;
  /** Relative to the connection's API base URL, or absolute on the same origin. */
  url: Scalars['String']['input'];
};

export type ProxyRequestResult = ForbiddenError | NotFoundError | ProviderError | ProxyResponse | RateLimitedError | ReauthorizationRequiredError | UpstreamUnavailableError | ValidationError;

export type ProxyResponse = {
  __typename?: 'ProxyResponse';
  attempts: Scalars['Int']['output'];
  /** The raw body when it is text and not JSON. */
  body?: Maybe<Scalars['String']['output']>;
  /** The body, base64-encoded, when it is binary. */
  bodyBase64?: Maybe<Scalars['String']['output']>;
  /** Parsed when the response is JSON. */
  data?: Maybe<Scalars['JSON']['output']>;
  durationMs: Scalars['Float']['output'];
  headers: Scalars['JSONObject']['output'];
  ok: Scalars['Boolean']['output'];
  status: Scalars['Int']['output'];
  url: Scalars['String']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** Newest first; admins, or keys with their scope. */
  apiKeys: ApiKeyConnection;
  /** Newest first; admins, or keys with AUDIT_READ. */
  auditEvents: AuditEventConnection;
  /** The session of the connect-session token in use; null for other credentials. */
  connectSession?: Maybe<ConnectSession>;
  /** All the viewer's connections across integrations (every connection for an admin). */
  connections: ConnectionConnection;
  /** Slug or ID. */
  integration?: Maybe<Integration>;
  integrations: IntegrationConnection;
  node?: Maybe<Node>;
  /** Newest first: the viewer's own operations, every operation for an admin. */
  operations: OperationConnection;
  provider?: Maybe<Provider>;
  /** Newest first: admins (or keys with WEBHOOKS_WRITE) see all; users see those matched to their own connections. */
  providerWebhooks: ProviderWebhookConnection;
  /** The built-in provider catalog, by name. */
  providers: Array<Provider>;
  viewer: Viewer;
  /** Admins only. */
  webhookEndpoints: WebhookEndpointConnection;
};


export type QueryApiKeysArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryAuditEventsArgs = {
  action?: InputMaybe<Scalars['String']['input']>;
  actor?: InputMaybe<Scalars['String']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  since?: InputMaybe<Scalars['DateTime']['input']>;
  targetId?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryConnectionsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  integration?: InputMaybe<Scalars['String']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  ownerId?: InputMaybe<Scalars['String']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
  status?: InputMaybe<ConnectionStatus>;
  tags?: InputMaybe<Scalars['JSONObject']['input']>;
};


export type QueryIntegrationArgs = {
  integration: Scalars['String']['input'];
};


export type QueryIntegrationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryNodeArgs = {
  id: Scalars['ID']['input'];
};


export type QueryOperationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  connectionId?: InputMaybe<Scalars['ID']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  integration?: InputMaybe<Scalars['String']['input']>;
  kind?: InputMaybe<OperationKind>;
  last?: InputMaybe<Scalars['Int']['input']>;
  outcome?: InputMaybe<OperationOutcome>;
  since?: InputMaybe<Scalars['DateTime']['input']>;
};


export type QueryProviderArgs = {
  key: Scalars['String']['input'];
};


export type QueryProviderWebhooksArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  connectionId?: InputMaybe<Scalars['ID']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  integration?: InputMaybe<Scalars['String']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  outcome?: InputMaybe<ProviderWebhookOutcome>;
};


export type QueryProvidersArgs = {
  category?: InputMaybe<Scalars['String']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
};


export type QueryWebhookEndpointsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

/** A per-user cap was reached (pending authorizations, open subscriptions). */
export type QuotaExceededError = Error & {
  __typename?: 'QuotaExceededError';
  code: ErrorCode;
  limit: Scalars['Int']['output'];
  message: Scalars['String']['output'];
};

export type RateLimitedError = Error & {
  __typename?: 'RateLimitedError';
  code: ErrorCode;
  message: Scalars['String']['output'];
  retryAfterSeconds?: Maybe<Scalars['Int']['output']>;
};

/** The provider refused the stored credentials: the user must connect again (startConnect). */
export type ReauthorizationRequiredError = Error & {
  __typename?: 'ReauthorizationRequiredError';
  code: ErrorCode;
  connection?: Maybe<Connection>;
  message: Scalars['String']['output'];
};

export type RedeliverWebhookInput = {
  deliveryId: Scalars['ID']['input'];
};

export type RedeliverWebhookPayload = {
  __typename?: 'RedeliverWebhookPayload';
  delivery: WebhookDelivery;
};

export type RedeliverWebhookResult = ForbiddenError | NotFoundError | RedeliverWebhookPayload;

export type RefreshConnectionInput = {
  connectionId: Scalars['ID']['input'];
};

export type RefreshConnectionPayload = {
  __typename?: 'RefreshConnectionPayload';
  connection: Connection;
};

export type RefreshConnectionResult = ForbiddenError | NotFoundError | ProviderError | ReauthorizationRequiredError | RefreshConnectionPayload;

export type RefreshPolicy =
  /** Refresh when expired or about to expire. */
  | 'AUTO'
  /** Always refresh first. */
  | 'FORCE'
  /** Never refresh; use what is stored. */
  | 'NONE';

export type RevokeApiKeyInput = {
  id: Scalars['ID']['input'];
};

export type RevokeApiKeyPayload = {
  __typename?: 'RevokeApiKeyPayload';
  apiKey: ApiKey;
};

export type RevokeApiKeyResult = ForbiddenError | NotFoundError | RevokeApiKeyPayload;

export type RevokeConnectSessionInput = {
  /** The session's id (createConnectSession's session.id). */
  id?: InputMaybe<Scalars['ID']['input']>;
  /** Or the session's token. */
  token?: InputMaybe<Scalars['String']['input']>;
};

export type RevokeConnectSessionPayload = {
  __typename?: 'RevokeConnectSessionPayload';
  revokedAt: Scalars['DateTime']['output'];
  sessionId: Scalars['ID']['output'];
};

export type RevokeConnectSessionResult = ForbiddenError | NotFoundError | RevokeConnectSessionPayload | ValidationError;

export type RotateWebhookSecretInput = {
  id: Scalars['ID']['input'];
};

export type RotateWebhookSecretPayload = {
  __typename?: 'RotateWebhookSecretPayload';
  /** The new secret; the previous one keeps signing beside it for a grace period. */
  secret: Scalars['String']['output'];
  webhookEndpoint: WebhookEndpoint;
};

export type RotateWebhookSecretResult = ForbiddenError | NotFoundError | RotateWebhookSecretPayload;

export type StartConnectInput = {
  /** Values for templated provider URLs, e.g. { subdomain: "acme" }. */
  connectionConfig?: InputMaybe<Scalars['JSONObject']['input']>;
  connectionName?: InputMaybe<Scalars['String']['input']>;
  /** Slug or ID of the integration. */
  integration: Scalars['String']['input'];
  /** Where the callback sends the browser afterwards; must be on an allowed origin. */
  redirectTo?: InputMaybe<Scalars['String']['input']>;
  /** Extra scopes on top of the integration's own. */
  scopes?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type StartConnectPayload = {
  __typename?: 'StartConnectPayload';
  /** Where to send the user's browser (a navigation or a popup, never a server-side fetch): a link on Switchboard that binds the first browser to open it to this flow, then goes on to the provider. Only that browser can complete the flow. */
  authorizeUrl: Scalars['String']['output'];
  expiresAt: Scalars['DateTime']['output'];
  /** Names this flow in the callback's answer (redirectTo's flowId parameter, the popup message's flowId). Keep it with the user's session and accept only outcomes whose flowId you started: a link started by someone else and completed in this browser is then refused. */
  flowId: Scalars['String']['output'];
  state: Scalars['String']['output'];
};

export type StartConnectResult = ForbiddenError | NotFoundError | ProviderError | QuotaExceededError | StartConnectPayload | ValidationError;

export type Subscription = {
  __typename?: 'Subscription';
  /** Status changes of the viewer's connections (all connections for an admin). */
  connectionStatusChanged: ConnectionStatusEvent;
  /** Provider webhooks matched to connections the viewer may see, as they arrive. */
  providerWebhookReceived: ProviderWebhook;
};


export type SubscriptionConnectionStatusChangedArgs = {
  connectionId?: InputMaybe<Scalars['ID']['input']>;
  integration?: InputMaybe<Scalars['String']['input']>;
};


export type SubscriptionProviderWebhookReceivedArgs = {
  connectionId?: InputMaybe<Scalars['ID']['input']>;
  integration?: InputMaybe<Scalars['String']['input']>;
};

export type TokenEndpointAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'none'
  | 'private_key_jwt';

export type UpdateConnectionInput = {
  connectionId: Scalars['ID']['input'];
  displayName?: InputMaybe<Scalars['String']['input']>;
  /** Merged into metadata at the top level; a key set to null is removed. */
  metadata?: InputMaybe<Scalars['JSONObject']['input']>;
  /** Replaces all tags; null leaves them. */
  tags?: InputMaybe<Scalars['JSONObject']['input']>;
};

export type UpdateConnectionPayload = {
  __typename?: 'UpdateConnectionPayload';
  connection: Connection;
};

export type UpdateConnectionResult = ForbiddenError | NotFoundError | UpdateConnectionPayload | ValidationError;

/** Fields to change; an explicit null clears an optional field (clientSecret, URLs, issuer...). */
export type UpdateIntegrationInput = {
  apiBaseUrl?: InputMaybe<Scalars['String']['input']>;
  /** GITHUB_APP: the app's id (the issuer of its app JWTs). */
  appId?: InputMaybe<Scalars['String']['input']>;
  authType?: InputMaybe<AuthType>;
  /** Extra authorization request parameters, e.g. { access_type: "offline" }. */
  authorizationParams?: InputMaybe<Scalars['JSONObject']['input']>;
  authorizationUrl?: InputMaybe<Scalars['String']['input']>;
  clientId?: InputMaybe<Scalars['String']['input']>;
  clientSecret?: InputMaybe<Scalars['String']['input']>;
  /** Connection config values fixed by the admin for every connection, e.g. { host: "sso.acme.com" } for a self-hosted Keycloak or a custom domain. Users cannot override them; hosts a user may give must match the provider's patterns. */
  connectionConfig?: InputMaybe<Scalars['JSONObject']['input']>;
  /** Slug or ID. */
  integration: Scalars['String']['input'];
  isShared?: InputMaybe<Scalars['Boolean']['input']>;
  /** OpenID Connect issuer; endpoints come from discovery. */
  issuer?: InputMaybe<Scalars['String']['input']>;
  logoUrl?: InputMaybe<Scalars['String']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  ownerCanReadCredentials?: InputMaybe<Scalars['Boolean']['input']>;
  /** GITHUB_APP: the app's private key (PEM); JWT_BEARER: a key shared by the integration's connections; private_key_jwt: the key that signs client assertions. Write-only like clientSecret. */
  privateKey?: InputMaybe<Scalars['String']['input']>;
  /** private_key_jwt: the key's id as the provider shows it (kid; Microsoft: the certificate's SHA-256 thumbprint, base64url). */
  privateKeyId?: InputMaybe<Scalars['String']['input']>;
  /** The secret the provider signs its webhooks with (Slack's signing secret, a GitHub webhook secret, Stripe's whsec_…). Write-only. */
  providerWebhookSecret?: InputMaybe<Scalars['String']['input']>;
  /** How the provider's webhooks are verified and routed, instead of the catalog's: e.g. { verification: { header: "x-signature", prefix: "sha256=" } } for a generic HMAC over the raw body (see docs/provider-webhooks.md). */
  providerWebhooks?: InputMaybe<Scalars['JSONObject']['input']>;
  /** OAUTH1: where temporary credentials are requested. */
  requestTokenUrl?: InputMaybe<Scalars['String']['input']>;
  revocationUrl?: InputMaybe<Scalars['String']['input']>;
  scopes?: InputMaybe<Array<Scalars['String']['input']>>;
  /** OAUTH1: how requests are signed (default HMAC-SHA1; NetSuite uses HMAC-SHA256). */
  signatureMethod?: InputMaybe<OAuth1SignatureMethod>;
  tokenEndpointAuthMethod?: InputMaybe<TokenEndpointAuthMethod>;
  /** OAUTH2_CLIENT_CREDENTIALS, JWT_BEARER: extra token request parameters, e.g. { audience: "https://api.example" }. */
  tokenParams?: InputMaybe<Scalars['JSONObject']['input']>;
  tokenUrl?: InputMaybe<Scalars['String']['input']>;
  userinfoUrl?: InputMaybe<Scalars['String']['input']>;
};

export type UpdateIntegrationPayload = {
  __typename?: 'UpdateIntegrationPayload';
  integration: Integration;
};

export type UpdateIntegrationResult = ForbiddenError | NotFoundError | UpdateIntegrationPayload | ValidationError;

export type UpdateWebhookEndpointInput = {
  description?: InputMaybe<Scalars['String']['input']>;
  enabled?: InputMaybe<Scalars['Boolean']['input']>;
  eventTypes?: InputMaybe<Array<WebhookEventType>>;
  id: Scalars['ID']['input'];
  url?: InputMaybe<Scalars['String']['input']>;
};

export type UpdateWebhookEndpointPayload = {
  __typename?: 'UpdateWebhookEndpointPayload';
  webhookEndpoint: WebhookEndpoint;
};

export type UpdateWebhookEndpointResult = ForbiddenError | NotFoundError | UpdateWebhookEndpointPayload | ValidationError;

/** The provider could not be reached or did not answer in time; retrying later may succeed. */
export type UpstreamUnavailableError = Error & {
  __typename?: 'UpstreamUnavailableError';
  code: ErrorCode;
  message: Scalars['String']['output'];
};

export type ValidationError = Error & {
  __typename?: 'ValidationError';
  code: ErrorCode;
  fieldErrors: Array<FieldError>;
  message: Scalars['String']['output'];
};

export type VerifyConnectionInput = {
  connectionId: Scalars['ID']['input'];
};

export type VerifyConnectionPayload = {
  __typename?: 'VerifyConnectionPayload';
  connection: Connection;
  /** Whether the provider accepted the credentials. */
  ok: Scalars['Boolean']['output'];
  providerStatus?: Maybe<Scalars['Int']['output']>;
};

export type VerifyConnectionResult = ForbiddenError | NotFoundError | ProviderError | ReauthorizationRequiredError | ValidationError | VerifyConnectionPayload;

/** Who the server takes the caller to be. */
export type Viewer = {
  __typename?: 'Viewer';
  isAdmin: Scalars['Boolean']['output'];
  /** The scopes the caller may use: every one without a key from the database or with ADMIN, otherwise its key's; the deployment-wide ones (ADMIN, INTEGRATIONS_WRITE, WEBHOOKS_WRITE, AUDIT_READ) only when isAdmin. */
  scopes: Array<ApiKeyScope>;
  userId: Scalars['String']['output'];
};

export type WebhookDelivery = Node & {
  __typename?: 'WebhookDelivery';
  attempts: Scalars['Int']['output'];
  createdAt: Scalars['DateTime']['output'];
  deliveredAt?: Maybe<Scalars['DateTime']['output']>;
  endpoint: WebhookEndpoint;
  /** Why the last attempt failed (timeout, refused, status), never a secret. */
  error?: Maybe<Scalars['String']['output']>;
  eventType: WebhookEventType;
  id: Scalars['ID']['output'];
  /** The webhook-id header: the same on every attempt of this message. */
  messageId: Scalars['String']['output'];
  nextAttemptAt?: Maybe<Scalars['DateTime']['output']>;
  /** The signed body, as sent. */
  payload: Scalars['JSONObject']['output'];
  /** The first 256 bytes of the last response body (headers are not kept). */
  responseExcerpt?: Maybe<Scalars['String']['output']>;
  /** The endpoint's HTTP status on the last attempt. */
  responseStatus?: Maybe<Scalars['Int']['output']>;
  status: WebhookDeliveryStatus;
};

export type WebhookDeliveryConnection = {
  __typename?: 'WebhookDeliveryConnection';
  edges: Array<WebhookDeliveryEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type WebhookDeliveryEdge = {
  __typename?: 'WebhookDeliveryEdge';
  cursor: Scalars['String']['output'];
  node: WebhookDelivery;
};

export type WebhookDeliveryStatus =
  /** Every attempt failed; only redeliverWebhook sends it again. */
  | 'FAILED'
  /** Not delivered yet; attempts go on. */
  | 'PENDING'
  /** The endpoint answered 2xx. */
  | 'SUCCEEDED';

export type WebhookEndpoint = Node & {
  __typename?: 'WebhookEndpoint';
  createdAt: Scalars['DateTime']['output'];
  /** Newest first. */
  deliveries: WebhookDeliveryConnection;
  description?: Maybe<Scalars['String']['output']>;
  /** Why it was disabled automatically (every attempt failing for WEBHOOK_DISABLE_AFTER_DAYS); null otherwise. */
  disabledReason?: Maybe<Scalars['String']['output']>;
  enabled: Scalars['Boolean']['output'];
  /** The event types sent to it; empty means every type. */
  eventTypes: Array<WebhookEventType>;
  id: Scalars['ID']['output'];
  /** Until when the secret before the last rotation still signs beside the current one. */
  secretRotationEndsAt?: Maybe<Scalars['DateTime']['output']>;
  updatedAt: Scalars['DateTime']['output'];
  url: Scalars['String']['output'];
};


export type WebhookEndpointDeliveriesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<WebhookDeliveryStatus>;
};

export type WebhookEndpointConnection = {
  __typename?: 'WebhookEndpointConnection';
  edges: Array<WebhookEndpointEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type WebhookEndpointEdge = {
  __typename?: 'WebhookEndpointEdge';
  cursor: Scalars['String']['output'];
  node: WebhookEndpoint;
};

export type WebhookEventType =
  /** connection.created: a connection was made for the first time (connect flow or createConnection). */
  | 'CONNECTION_CREATED'
  /** connection.deleted: a connection was disconnected and deleted. */
  | 'CONNECTION_DELETED'
  /** connection.failed: a refresh or check failed and the connection became EXPIRED or ERROR. */
  | 'CONNECTION_FAILED'
  /** connection.reconnected: an existing connection was authorized again and kept its id. */
  | 'CONNECTION_RECONNECTED'
  /** connection.recovered: a connection that was EXPIRED or ERROR is HEALTHY again. */
  | 'CONNECTION_RECOVERED'
  /** provider.webhook: a provider's webhook, forwarded with its connection ids, tags and payload. */
  | 'PROVIDER_WEBHOOK';

export type ConsoleActivityQueryVariables = Exact<{
  first: Scalars['Int']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
  kind?: InputMaybe<OperationKind>;
  outcome?: InputMaybe<OperationOutcome>;
  integration?: InputMaybe<Scalars['String']['input']>;
  since?: InputMaybe<Scalars['DateTime']['input']>;
}>;


export type ConsoleActivityQuery = { __typename?: 'Query', operations: { __typename?: 'OperationConnection', pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null }, edges: Array<{ __typename?: 'OperationEdge', node: { __typename?: 'Operation', id: string, at: string, kind: OperationKind, outcome: OperationOutcome, integrationSlug: string, connectionId?: string | null, ownerId?: string | null, method?: string | null, path?: string | null, providerStatus?: number | null, durationMs?: number | null, error?: string | null } }> }, integrations: { __typename?: 'IntegrationConnection', edges: Array<{ __typename?: 'IntegrationEdge', node: { __typename?: 'Integration', id: string, slug: string, name: string } }> } };

export type ConsoleApiKeysQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsoleApiKeysQuery = { __typename?: 'Query', apiKeys: { __typename?: 'ApiKeyConnection', edges: Array<{ __typename?: 'ApiKeyEdge', node: { __typename?: 'ApiKey', id: string, name: string, scopes: Array<ApiKeyScope>, prefix: string, createdAt: string, createdBy?: string | null, expiresAt?: string | null, lastUsedAt?: string | null, revokedAt?: string | null } }> } };

export type ConsoleCreateApiKeyMutationVariables = Exact<{
  input: CreateApiKeyInput;
}>;


export type ConsoleCreateApiKeyMutation = { __typename?: 'Mutation', createApiKey:
    | { __typename: 'CreateApiKeyPayload', secret: string, apiKey: { __typename?: 'ApiKey', id: string, name: string } }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fieldErrors: Array<{ __typename?: 'FieldError', field: string, message: string }> }
   };

export type ConsoleRevokeApiKeyMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type ConsoleRevokeApiKeyMutation = { __typename?: 'Mutation', revokeApiKey:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'RevokeApiKeyPayload', apiKey: { __typename?: 'ApiKey', id: string, revokedAt?: string | null } }
   };

export type ConsoleAuditEventsQueryVariables = Exact<{
  first: Scalars['Int']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
  action?: InputMaybe<Scalars['String']['input']>;
  actor?: InputMaybe<Scalars['String']['input']>;
}>;


export type ConsoleAuditEventsQuery = { __typename?: 'Query', auditEvents: { __typename?: 'AuditEventConnection', pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null }, edges: Array<{ __typename?: 'AuditEventEdge', node: { __typename?: 'AuditEvent', id: string, at: string, actor: string, actorKind: AuditActorKind, action: string, targetId?: string | null, changes?: Record<string, unknown> | null, ipAddress?: string | null } }> } };

export type ConsoleLinkIntegrationsQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsoleLinkIntegrationsQuery = { __typename?: 'Query', integrations: { __typename?: 'IntegrationConnection', edges: Array<{ __typename?: 'IntegrationEdge', node: { __typename?: 'Integration', id: string, slug: string, name: string } }> } };

export type ConsoleCreateConnectLinkMutationVariables = Exact<{
  input: CreateConnectSessionInput;
}>;


export type ConsoleCreateConnectLinkMutation = { __typename?: 'Mutation', createConnectSession:
    | { __typename: 'CreateConnectSessionPayload', connectUrl: string, expiresAt: string, session: { __typename?: 'ConnectSession', endUserId: string, connectionName: string, integrations: Array<{ __typename?: 'Integration', id: string, name: string }> } }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'QuotaExceededError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fieldErrors: Array<{ __typename?: 'FieldError', field: string, message: string }> }
   };

export type ConsoleConnectionQueryVariables = Exact<{
  id: Scalars['ID']['input'];
  kind?: InputMaybe<OperationKind>;
  outcome?: InputMaybe<OperationOutcome>;
  withOperations: Scalars['Boolean']['input'];
}>;


export type ConsoleConnectionQuery = { __typename?: 'Query', node?:
    | { __typename: 'ApiKey' }
    | { __typename: 'AuditEvent' }
    | { __typename: 'Connection', id: string, name: string, displayName?: string | null, tags: Record<string, unknown>, ownerId?: string | null, isShared: boolean, status: ConnectionStatus, statusMessage?: string | null, scopes: Array<string>, metadata: Record<string, unknown>, apiBaseUrl?: string | null, createdAt: string, updatedAt: string, lastAuthorizedAt?: string | null, lastRefreshedAt?: string | null, lastUsedAt?: string | null, lastVerifiedAt?: string | null, tokenExpiresAt?: string | null, refreshTokenExpiresAt?: string | null, integration: { __typename?: 'Integration', id: string, slug: string, name: string, authType: AuthType }, operations?: { __typename?: 'OperationConnection', edges: Array<{ __typename?: 'OperationEdge', node: { __typename?: 'Operation', id: string, at: string, kind: OperationKind, outcome: OperationOutcome, integrationSlug: string, connectionId?: string | null, ownerId?: string | null, method?: string | null, path?: string | null, providerStatus?: number | null, durationMs?: number | null, error?: string | null } }> } }
    | { __typename: 'Integration' }
    | { __typename: 'Operation' }
    | { __typename: 'ProviderWebhook' }
    | { __typename: 'WebhookDelivery' }
    | { __typename: 'WebhookEndpoint' }
   | null };

export type ConsoleVerifyMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type ConsoleVerifyMutation = { __typename?: 'Mutation', verifyConnection:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ProviderError', code: ErrorCode, message: string }
    | { __typename: 'ReauthorizationRequiredError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string }
    | { __typename: 'VerifyConnectionPayload', ok: boolean, providerStatus?: number | null, connection: { __typename?: 'Connection', id: string, status: ConnectionStatus, statusMessage?: string | null, lastVerifiedAt?: string | null } }
   };

export type ConsoleRefreshMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type ConsoleRefreshMutation = { __typename?: 'Mutation', refreshConnection:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ProviderError', code: ErrorCode, message: string }
    | { __typename: 'ReauthorizationRequiredError', code: ErrorCode, message: string }
    | { __typename: 'RefreshConnectionPayload', connection: { __typename?: 'Connection', id: string, status: ConnectionStatus, statusMessage?: string | null, lastRefreshedAt?: string | null, tokenExpiresAt?: string | null } }
   };

export type ConsoleDisconnectMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type ConsoleDisconnectMutation = { __typename?: 'Mutation', disconnect:
    | { __typename: 'DisconnectPayload', disconnectedConnectionId: string, revoked: boolean }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string }
   };

export type ConsoleReconnectLinkMutationVariables = Exact<{
  endUserId?: InputMaybe<Scalars['String']['input']>;
  integration: Scalars['String']['input'];
  connectionName?: InputMaybe<Scalars['String']['input']>;
}>;


export type ConsoleReconnectLinkMutation = { __typename?: 'Mutation', createConnectSession:
    | { __typename: 'CreateConnectSessionPayload', connectUrl: string, expiresAt: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'QuotaExceededError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string }
   };

export type ConsoleUpdateConnectionMutationVariables = Exact<{
  input: UpdateConnectionInput;
}>;


export type ConsoleUpdateConnectionMutation = { __typename?: 'Mutation', updateConnection:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpdateConnectionPayload', connection: { __typename?: 'Connection', id: string, displayName?: string | null, tags: Record<string, unknown>, metadata: Record<string, unknown>, updatedAt: string } }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fieldErrors: Array<{ __typename?: 'FieldError', field: string, message: string }> }
   };

export type ConsoleConnectionsQueryVariables = Exact<{
  first: Scalars['Int']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
  integration?: InputMaybe<Scalars['String']['input']>;
  status?: InputMaybe<ConnectionStatus>;
  ownerId?: InputMaybe<Scalars['String']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
  tags?: InputMaybe<Scalars['JSONObject']['input']>;
}>;


export type ConsoleConnectionsQuery = { __typename?: 'Query', connections: { __typename?: 'ConnectionConnection', totalCount: number, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null }, edges: Array<{ __typename?: 'ConnectionEdge', node: { __typename?: 'Connection', id: string, name: string, displayName?: string | null, tags: Record<string, unknown>, ownerId?: string | null, isShared: boolean, status: ConnectionStatus, statusMessage?: string | null, lastUsedAt?: string | null, tokenExpiresAt?: string | null, updatedAt: string, integration: { __typename?: 'Integration', id: string, slug: string, name: string } } }> }, integrations: { __typename?: 'IntegrationConnection', edges: Array<{ __typename?: 'IntegrationEdge', node: { __typename?: 'Integration', id: string, slug: string, name: string } }> } };

export type ConsoleStatusChangesSubscriptionVariables = Exact<{
  integration?: InputMaybe<Scalars['String']['input']>;
}>;


export type ConsoleStatusChangesSubscription = { __typename?: 'Subscription', connectionStatusChanged: { __typename?: 'ConnectionStatusEvent', connectionId: string, status: ConnectionStatus, reason?: string | null, at: string } };

export type ConsoleProvidersQueryVariables = Exact<{
  search?: InputMaybe<Scalars['String']['input']>;
  category?: InputMaybe<Scalars['String']['input']>;
}>;


export type ConsoleProvidersQuery = { __typename?: 'Query', providers: Array<{ __typename?: 'Provider', key: string, name: string, authType: AuthType, categories: Array<string>, docsUrl: string, notes?: string | null, defaultScopes: Array<string>, needsClientCredentials: boolean, connectionConfig: Array<{ __typename?: 'ProviderConfigField', name: string, description: string, example?: string | null, default?: string | null, setByAdmin: boolean, hosts?: Array<string> | null }> }> };

export type ConsoleIntegrationQueryVariables = Exact<{
  slug: Scalars['String']['input'];
}>;


export type ConsoleIntegrationQuery = { __typename?: 'Query', integration?: { __typename?: 'Integration', id: string, slug: string, name: string, provider: string, authType: AuthType, clientId?: string | null, hasClientSecret: boolean, scopes: Array<string>, isShared: boolean, ownerCanReadCredentials: boolean, apiBaseUrl?: string | null } | null };

export type ConsoleCreateIntegrationMutationVariables = Exact<{
  input: CreateIntegrationInput;
}>;


export type ConsoleCreateIntegrationMutation = { __typename?: 'Mutation', createIntegration:
    | { __typename: 'CreateIntegrationPayload', integration: { __typename?: 'Integration', id: string, slug: string } }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fieldErrors: Array<{ __typename?: 'FieldError', field: string, message: string }> }
   };

export type ConsoleUpdateIntegrationMutationVariables = Exact<{
  input: UpdateIntegrationInput;
}>;


export type ConsoleUpdateIntegrationMutation = { __typename?: 'Mutation', updateIntegration:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpdateIntegrationPayload', integration: { __typename?: 'Integration', id: string, slug: string, name: string, clientId?: string | null, hasClientSecret: boolean, scopes: Array<string>, isShared: boolean, ownerCanReadCredentials: boolean } }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fieldErrors: Array<{ __typename?: 'FieldError', field: string, message: string }> }
   };

export type ConsoleIntegrationsQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsoleIntegrationsQuery = { __typename?: 'Query', integrations: { __typename?: 'IntegrationConnection', totalCount: number, edges: Array<{ __typename?: 'IntegrationEdge', node: { __typename?: 'Integration', id: string, slug: string, name: string, provider: string, authType: AuthType, isShared: boolean, all: { __typename?: 'ConnectionConnection', totalCount: number }, healthy: { __typename?: 'ConnectionConnection', totalCount: number }, expired: { __typename?: 'ConnectionConnection', totalCount: number }, failing: { __typename?: 'ConnectionConnection', totalCount: number } } }> } };

export type ConsoleDeleteIntegrationMutationVariables = Exact<{
  integration: Scalars['String']['input'];
}>;


export type ConsoleDeleteIntegrationMutation = { __typename?: 'Mutation', deleteIntegration:
    | { __typename: 'DeleteIntegrationPayload', deletedIntegrationId: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
   };

export type OperationRowFragment = { __typename?: 'Operation', id: string, at: string, kind: OperationKind, outcome: OperationOutcome, integrationSlug: string, connectionId?: string | null, ownerId?: string | null, method?: string | null, path?: string | null, providerStatus?: number | null, durationMs?: number | null, error?: string | null };

export type ConsoleProviderWebhooksQueryVariables = Exact<{
  first: Scalars['Int']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
  integration?: InputMaybe<Scalars['String']['input']>;
  outcome?: InputMaybe<ProviderWebhookOutcome>;
}>;


export type ConsoleProviderWebhooksQuery = { __typename?: 'Query', providerWebhooks: { __typename?: 'ProviderWebhookConnection', totalCount: number, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null }, edges: Array<{ __typename?: 'ProviderWebhookEdge', node: { __typename?: 'ProviderWebhook', id: string, receivedAt: string, eventType?: string | null, providerEventId?: string | null, outcome: ProviderWebhookOutcome, payload?: unknown | null, integration: { __typename?: 'Integration', id: string, slug: string, name: string, providerWebhookUrl?: string | null }, connections: Array<{ __typename?: 'Connection', id: string, name: string }> } }> }, integrations: { __typename?: 'IntegrationConnection', edges: Array<{ __typename?: 'IntegrationEdge', node: { __typename?: 'Integration', id: string, slug: string, name: string } }> } };

export type ConsoleProviderWebhookReceivedSubscriptionVariables = Exact<{
  integration?: InputMaybe<Scalars['String']['input']>;
}>;


export type ConsoleProviderWebhookReceivedSubscription = { __typename?: 'Subscription', providerWebhookReceived: { __typename?: 'ProviderWebhook', id: string } };

export type ConsoleWebhookEndpointQueryVariables = Exact<{
  id: Scalars['ID']['input'];
  status?: InputMaybe<WebhookDeliveryStatus>;
}>;


export type ConsoleWebhookEndpointQuery = { __typename?: 'Query', node?:
    | { __typename: 'ApiKey' }
    | { __typename: 'AuditEvent' }
    | { __typename: 'Connection' }
    | { __typename: 'Integration' }
    | { __typename: 'Operation' }
    | { __typename: 'ProviderWebhook' }
    | { __typename: 'WebhookDelivery' }
    | { __typename: 'WebhookEndpoint', id: string, url: string, description?: string | null, enabled: boolean, disabledReason?: string | null, eventTypes: Array<WebhookEventType>, secretRotationEndsAt?: string | null, deliveries: { __typename?: 'WebhookDeliveryConnection', edges: Array<{ __typename?: 'WebhookDeliveryEdge', node: { __typename?: 'WebhookDelivery', id: string, eventType: WebhookEventType, status: WebhookDeliveryStatus, attempts: number, createdAt: string, deliveredAt?: string | null, nextAttemptAt?: string | null, responseStatus?: number | null, responseExcerpt?: string | null, error?: string | null } }> } }
   | null };

export type ConsoleRotateWebhookSecretMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type ConsoleRotateWebhookSecretMutation = { __typename?: 'Mutation', rotateWebhookSecret:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'RotateWebhookSecretPayload', secret: string, webhookEndpoint: { __typename?: 'WebhookEndpoint', id: string, secretRotationEndsAt?: string | null } }
   };

export type ConsoleSetWebhookEnabledMutationVariables = Exact<{
  id: Scalars['ID']['input'];
  enabled: Scalars['Boolean']['input'];
}>;


export type ConsoleSetWebhookEnabledMutation = { __typename?: 'Mutation', updateWebhookEndpoint:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpdateWebhookEndpointPayload', webhookEndpoint: { __typename?: 'WebhookEndpoint', id: string, enabled: boolean, disabledReason?: string | null } }
    | { __typename: 'ValidationError', code: ErrorCode, message: string }
   };

export type ConsoleRedeliverWebhookMutationVariables = Exact<{
  deliveryId: Scalars['ID']['input'];
}>;


export type ConsoleRedeliverWebhookMutation = { __typename?: 'Mutation', redeliverWebhook:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'RedeliverWebhookPayload', delivery: { __typename?: 'WebhookDelivery', id: string, status: WebhookDeliveryStatus, attempts: number, nextAttemptAt?: string | null } }
   };

export type ConsoleWebhookEndpointsQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsoleWebhookEndpointsQuery = { __typename?: 'Query', webhookEndpoints: { __typename?: 'WebhookEndpointConnection', edges: Array<{ __typename?: 'WebhookEndpointEdge', node: { __typename?: 'WebhookEndpoint', id: string, url: string, description?: string | null, enabled: boolean, disabledReason?: string | null, eventTypes: Array<WebhookEventType>, createdAt: string, failed: { __typename?: 'WebhookDeliveryConnection', totalCount: number }, pending: { __typename?: 'WebhookDeliveryConnection', totalCount: number } } }> } };

export type ConsoleCreateWebhookEndpointMutationVariables = Exact<{
  input: CreateWebhookEndpointInput;
}>;


export type ConsoleCreateWebhookEndpointMutation = { __typename?: 'Mutation', createWebhookEndpoint:
    | { __typename: 'CreateWebhookEndpointPayload', secret: string, webhookEndpoint: { __typename?: 'WebhookEndpoint', id: string, url: string } }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fieldErrors: Array<{ __typename?: 'FieldError', field: string, message: string }> }
   };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const OperationRowFragmentDoc = new TypedDocumentString(`
    fragment OperationRow on Operation {
  id
  at
  kind
  outcome
  integrationSlug
  connectionId
  ownerId
  method
  path
  providerStatus
  durationMs
  error
}
    `, {"fragmentName":"OperationRow"}) as unknown as TypedDocumentString<OperationRowFragment, unknown>;
export const ConsoleActivityDocument = new TypedDocumentString(`
    query ConsoleActivity($first: Int!, $after: String, $kind: OperationKind, $outcome: OperationOutcome, $integration: String, $since: DateTime) {
  operations(
    first: $first
    after: $after
    kind: $kind
    outcome: $outcome
    integration: $integration
    since: $since
  ) {
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        ...OperationRow
      }
    }
  }
  integrations(first: 100) {
    edges {
      node {
        id
        slug
        name
      }
    }
  }
}
    fragment OperationRow on Operation {
  id
  at
  kind
  outcome
  integrationSlug
  connectionId
  ownerId
  method
  path
  providerStatus
  durationMs
  error
}`) as unknown as TypedDocumentString<ConsoleActivityQuery, ConsoleActivityQueryVariables>;
export const ConsoleApiKeysDocument = new TypedDocumentString(`
    query ConsoleApiKeys {
  apiKeys(first: 100) {
    edges {
      node {
        id
        name
        scopes
        prefix
        createdAt
        createdBy
        expiresAt
        lastUsedAt
        revokedAt
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleApiKeysQuery, ConsoleApiKeysQueryVariables>;
export const ConsoleCreateApiKeyDocument = new TypedDocumentString(`
    mutation ConsoleCreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    __typename
    ... on CreateApiKeyPayload {
      secret
      apiKey {
        id
        name
      }
    }
    ... on ValidationError {
      fieldErrors {
        field
        message
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleCreateApiKeyMutation, ConsoleCreateApiKeyMutationVariables>;
export const ConsoleRevokeApiKeyDocument = new TypedDocumentString(`
    mutation ConsoleRevokeApiKey($id: ID!) {
  revokeApiKey(input: {id: $id}) {
    __typename
    ... on RevokeApiKeyPayload {
      apiKey {
        id
        revokedAt
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleRevokeApiKeyMutation, ConsoleRevokeApiKeyMutationVariables>;
export const ConsoleAuditEventsDocument = new TypedDocumentString(`
    query ConsoleAuditEvents($first: Int!, $after: String, $action: String, $actor: String) {
  auditEvents(first: $first, after: $after, action: $action, actor: $actor) {
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        at
        actor
        actorKind
        action
        targetId
        changes
        ipAddress
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleAuditEventsQuery, ConsoleAuditEventsQueryVariables>;
export const ConsoleLinkIntegrationsDocument = new TypedDocumentString(`
    query ConsoleLinkIntegrations {
  integrations(first: 100) {
    edges {
      node {
        id
        slug
        name
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleLinkIntegrationsQuery, ConsoleLinkIntegrationsQueryVariables>;
export const ConsoleCreateConnectLinkDocument = new TypedDocumentString(`
    mutation ConsoleCreateConnectLink($input: CreateConnectSessionInput!) {
  createConnectSession(input: $input) {
    __typename
    ... on CreateConnectSessionPayload {
      connectUrl
      expiresAt
      session {
        endUserId
        connectionName
        integrations {
          id
          name
        }
      }
    }
    ... on ValidationError {
      fieldErrors {
        field
        message
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleCreateConnectLinkMutation, ConsoleCreateConnectLinkMutationVariables>;
export const ConsoleConnectionDocument = new TypedDocumentString(`
    query ConsoleConnection($id: ID!, $kind: OperationKind, $outcome: OperationOutcome, $withOperations: Boolean!) {
  node(id: $id) {
    __typename
    ... on Connection {
      id
      name
      displayName
      tags
      ownerId
      isShared
      status
      statusMessage
      scopes
      metadata
      apiBaseUrl
      createdAt
      updatedAt
      lastAuthorizedAt
      lastRefreshedAt
      lastUsedAt
      lastVerifiedAt
      tokenExpiresAt
      refreshTokenExpiresAt
      integration {
        id
        slug
        name
        authType
      }
      operations(first: 50, kind: $kind, outcome: $outcome) @include(if: $withOperations) {
        edges {
          node {
            ...OperationRow
          }
        }
      }
    }
  }
}
    fragment OperationRow on Operation {
  id
  at
  kind
  outcome
  integrationSlug
  connectionId
  ownerId
  method
  path
  providerStatus
  durationMs
  error
}`) as unknown as TypedDocumentString<ConsoleConnectionQuery, ConsoleConnectionQueryVariables>;
export const ConsoleVerifyDocument = new TypedDocumentString(`
    mutation ConsoleVerify($id: ID!) {
  verifyConnection(input: {connectionId: $id}) {
    __typename
    ... on VerifyConnectionPayload {
      ok
      providerStatus
      connection {
        id
        status
        statusMessage
        lastVerifiedAt
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleVerifyMutation, ConsoleVerifyMutationVariables>;
export const ConsoleRefreshDocument = new TypedDocumentString(`
    mutation ConsoleRefresh($id: ID!) {
  refreshConnection(input: {connectionId: $id}) {
    __typename
    ... on RefreshConnectionPayload {
      connection {
        id
        status
        statusMessage
        lastRefreshedAt
        tokenExpiresAt
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleRefreshMutation, ConsoleRefreshMutationVariables>;
export const ConsoleDisconnectDocument = new TypedDocumentString(`
    mutation ConsoleDisconnect($id: ID!) {
  disconnect(input: {connectionId: $id}) {
    __typename
    ... on DisconnectPayload {
      disconnectedConnectionId
      revoked
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleDisconnectMutation, ConsoleDisconnectMutationVariables>;
export const ConsoleReconnectLinkDocument = new TypedDocumentString(`
    mutation ConsoleReconnectLink($endUserId: String, $integration: String!, $connectionName: String) {
  createConnectSession(
    input: {endUserId: $endUserId, integrations: [$integration], connectionName: $connectionName}
  ) {
    __typename
    ... on CreateConnectSessionPayload {
      connectUrl
      expiresAt
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleReconnectLinkMutation, ConsoleReconnectLinkMutationVariables>;
export const ConsoleUpdateConnectionDocument = new TypedDocumentString(`
    mutation ConsoleUpdateConnection($input: UpdateConnectionInput!) {
  updateConnection(input: $input) {
    __typename
    ... on UpdateConnectionPayload {
      connection {
        id
        displayName
        tags
        metadata
        updatedAt
      }
    }
    ... on ValidationError {
      fieldErrors {
        field
        message
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleUpdateConnectionMutation, ConsoleUpdateConnectionMutationVariables>;
export const ConsoleConnectionsDocument = new TypedDocumentString(`
    query ConsoleConnections($first: Int!, $after: String, $integration: String, $status: ConnectionStatus, $ownerId: String, $search: String, $tags: JSONObject) {
  connections(
    first: $first
    after: $after
    integration: $integration
    status: $status
    ownerId: $ownerId
    search: $search
    tags: $tags
  ) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        name
        displayName
        tags
        ownerId
        isShared
        status
        statusMessage
        lastUsedAt
        tokenExpiresAt
        updatedAt
        integration {
          id
          slug
          name
        }
      }
    }
  }
  integrations(first: 100) {
    edges {
      node {
        id
        slug
        name
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleConnectionsQuery, ConsoleConnectionsQueryVariables>;
export const ConsoleStatusChangesDocument = new TypedDocumentString(`
    subscription ConsoleStatusChanges($integration: String) {
  connectionStatusChanged(integration: $integration) {
    connectionId
    status
    reason
    at
  }
}
    `) as unknown as TypedDocumentString<ConsoleStatusChangesSubscription, ConsoleStatusChangesSubscriptionVariables>;
export const ConsoleProvidersDocument = new TypedDocumentString(`
    query ConsoleProviders($search: String, $category: String) {
  providers(search: $search, category: $category) {
    key
    name
    authType
    categories
    docsUrl
    notes
    defaultScopes
    needsClientCredentials
    connectionConfig {
      name
      description
      example
      default
      setByAdmin
      hosts
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleProvidersQuery, ConsoleProvidersQueryVariables>;
export const ConsoleIntegrationDocument = new TypedDocumentString(`
    query ConsoleIntegration($slug: String!) {
  integration(integration: $slug) {
    id
    slug
    name
    provider
    authType
    clientId
    hasClientSecret
    scopes
    isShared
    ownerCanReadCredentials
    apiBaseUrl
  }
}
    `) as unknown as TypedDocumentString<ConsoleIntegrationQuery, ConsoleIntegrationQueryVariables>;
export const ConsoleCreateIntegrationDocument = new TypedDocumentString(`
    mutation ConsoleCreateIntegration($input: CreateIntegrationInput!) {
  createIntegration(input: $input) {
    __typename
    ... on CreateIntegrationPayload {
      integration {
        id
        slug
      }
    }
    ... on ValidationError {
      fieldErrors {
        field
        message
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleCreateIntegrationMutation, ConsoleCreateIntegrationMutationVariables>;
export const ConsoleUpdateIntegrationDocument = new TypedDocumentString(`
    mutation ConsoleUpdateIntegration($input: UpdateIntegrationInput!) {
  updateIntegration(input: $input) {
    __typename
    ... on UpdateIntegrationPayload {
      integration {
        id
        slug
        name
        clientId
        hasClientSecret
        scopes
        isShared
        ownerCanReadCredentials
      }
    }
    ... on ValidationError {
      fieldErrors {
        field
        message
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleUpdateIntegrationMutation, ConsoleUpdateIntegrationMutationVariables>;
export const ConsoleIntegrationsDocument = new TypedDocumentString(`
    query ConsoleIntegrations {
  integrations(first: 100) {
    totalCount
    edges {
      node {
        id
        slug
        name
        provider
        authType
        isShared
        all: connections(first: 1) {
          totalCount
        }
        healthy: connections(first: 1, status: HEALTHY) {
          totalCount
        }
        expired: connections(first: 1, status: EXPIRED) {
          totalCount
        }
        failing: connections(first: 1, status: ERROR) {
          totalCount
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleIntegrationsQuery, ConsoleIntegrationsQueryVariables>;
export const ConsoleDeleteIntegrationDocument = new TypedDocumentString(`
    mutation ConsoleDeleteIntegration($integration: String!) {
  deleteIntegration(input: {integration: $integration}) {
    __typename
    ... on DeleteIntegrationPayload {
      deletedIntegrationId
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleDeleteIntegrationMutation, ConsoleDeleteIntegrationMutationVariables>;
export const ConsoleProviderWebhooksDocument = new TypedDocumentString(`
    query ConsoleProviderWebhooks($first: Int!, $after: String, $integration: String, $outcome: ProviderWebhookOutcome) {
  providerWebhooks(
    first: $first
    after: $after
    integration: $integration
    outcome: $outcome
  ) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        receivedAt
        eventType
        providerEventId
        outcome
        payload
        integration {
          id
          slug
          name
          providerWebhookUrl
        }
        connections {
          id
          name
        }
      }
    }
  }
  integrations(first: 100) {
    edges {
      node {
        id
        slug
        name
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleProviderWebhooksQuery, ConsoleProviderWebhooksQueryVariables>;
export const ConsoleProviderWebhookReceivedDocument = new TypedDocumentString(`
    subscription ConsoleProviderWebhookReceived($integration: String) {
  providerWebhookReceived(integration: $integration) {
    id
  }
}
    `) as unknown as TypedDocumentString<ConsoleProviderWebhookReceivedSubscription, ConsoleProviderWebhookReceivedSubscriptionVariables>;
export const ConsoleWebhookEndpointDocument = new TypedDocumentString(`
    query ConsoleWebhookEndpoint($id: ID!, $status: WebhookDeliveryStatus) {
  node(id: $id) {
    __typename
    ... on WebhookEndpoint {
      id
      url
      description
      enabled
      disabledReason
      eventTypes
      secretRotationEndsAt
      deliveries(first: 50, status: $status) {
        edges {
          node {
            id
            eventType
            status
            attempts
            createdAt
            deliveredAt
            nextAttemptAt
            responseStatus
            responseExcerpt
            error
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleWebhookEndpointQuery, ConsoleWebhookEndpointQueryVariables>;
export const ConsoleRotateWebhookSecretDocument = new TypedDocumentString(`
    mutation ConsoleRotateWebhookSecret($id: ID!) {
  rotateWebhookSecret(input: {id: $id}) {
    __typename
    ... on RotateWebhookSecretPayload {
      secret
      webhookEndpoint {
        id
        secretRotationEndsAt
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleRotateWebhookSecretMutation, ConsoleRotateWebhookSecretMutationVariables>;
export const ConsoleSetWebhookEnabledDocument = new TypedDocumentString(`
    mutation ConsoleSetWebhookEnabled($id: ID!, $enabled: Boolean!) {
  updateWebhookEndpoint(input: {id: $id, enabled: $enabled}) {
    __typename
    ... on UpdateWebhookEndpointPayload {
      webhookEndpoint {
        id
        enabled
        disabledReason
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleSetWebhookEnabledMutation, ConsoleSetWebhookEnabledMutationVariables>;
export const ConsoleRedeliverWebhookDocument = new TypedDocumentString(`
    mutation ConsoleRedeliverWebhook($deliveryId: ID!) {
  redeliverWebhook(input: {deliveryId: $deliveryId}) {
    __typename
    ... on RedeliverWebhookPayload {
      delivery {
        id
        status
        attempts
        nextAttemptAt
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleRedeliverWebhookMutation, ConsoleRedeliverWebhookMutationVariables>;
export const ConsoleWebhookEndpointsDocument = new TypedDocumentString(`
    query ConsoleWebhookEndpoints {
  webhookEndpoints(first: 100) {
    edges {
      node {
        id
        url
        description
        enabled
        disabledReason
        eventTypes
        createdAt
        failed: deliveries(first: 1, status: FAILED) {
          totalCount
        }
        pending: deliveries(first: 1, status: PENDING) {
          totalCount
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleWebhookEndpointsQuery, ConsoleWebhookEndpointsQueryVariables>;
export const ConsoleCreateWebhookEndpointDocument = new TypedDocumentString(`
    mutation ConsoleCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    __typename
    ... on CreateWebhookEndpointPayload {
      secret
      webhookEndpoint {
        id
        url
      }
    }
    ... on ValidationError {
      fieldErrors {
        field
        message
      }
    }
    ... on Error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ConsoleCreateWebhookEndpointMutation, ConsoleCreateWebhookEndpointMutationVariables>;