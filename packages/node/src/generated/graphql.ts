import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
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

export type ConnectSessionPurpose =
  /** An agent session: the token also authenticates an AI agent at PUBLIC_URL/mcp, acting as the end user on the offered integrations only, until it expires. It can still not call GraphQL beyond connecting. */
  | 'AGENT'
  /** The token can only connect (the hosted connect page, the SDK). */
  | 'CONNECT';

export type ConnectionStatus =
  /** Revoked and removed; only ever seen on events. */
  | 'DISCONNECTED'
  /** The provider rejected the credentials (e.g. invalid_grant); the user must connect again. */
  | 'ERROR'
  /** The access token is expired and cannot be refreshed right now; a retry may succeed. */
  | 'EXPIRED'
  /** Credentials are present and the last use or refresh succeeded. */
  | 'HEALTHY';

export type CreateApiKeyInput = {
  /** Null: never expires. */
  expiresInSeconds?: InputMaybe<Scalars['Int']['input']>;
  name: Scalars['String']['input'];
  scopes: Array<ApiKeyScope>;
};

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

export type CreateWebhookEndpointInput = {
  description?: InputMaybe<Scalars['String']['input']>;
  /** Empty or omitted: every event type. */
  eventTypes?: InputMaybe<Array<WebhookEventType>>;
  url: Scalars['String']['input'];
};

export type DeleteIntegrationInput = {
  integration: Scalars['String']['input'];
};

export type DeleteWebhookEndpointInput = {
  id: Scalars['ID']['input'];
};

export type DisconnectInput = {
  /** Either connectionId, or integration with an optional connectionName. */
  connectionId?: InputMaybe<Scalars['ID']['input']>;
  connectionName?: InputMaybe<Scalars['String']['input']>;
  integration?: InputMaybe<Scalars['String']['input']>;
};

export type DisplayNameSource =
  /** Set by the app with updateConnection. */
  | 'APP'
  /** Read from the provider's answer where the catalog entry's identity says. */
  | 'PROVIDER';

export type ErrorCode =
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'PROVIDER_ERROR'
  | 'QUOTA_EXCEEDED'
  | 'RATE_LIMITED'
  | 'REAUTHORIZATION_REQUIRED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'VALIDATION';

export type HttpMethod =
  | 'DELETE'
  | 'GET'
  | 'HEAD'
  | 'OPTIONS'
  | 'PATCH'
  | 'POST'
  | 'PUT';

export type McpTransport =
  | 'STREAMABLE_HTTP';

export type OAuth1SignatureMethod =
  | 'HMAC_SHA1'
  | 'HMAC_SHA256'
  | 'PLAINTEXT';

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

export type RedeliverWebhookInput = {
  deliveryId: Scalars['ID']['input'];
};

export type RefreshConnectionInput = {
  connectionId: Scalars['ID']['input'];
};

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

export type RevokeConnectSessionInput = {
  /** The session's id (createConnectSession's session.id). */
  id?: InputMaybe<Scalars['ID']['input']>;
  /** Or the session's token. */
  token?: InputMaybe<Scalars['String']['input']>;
};

export type RotateWebhookSecretInput = {
  id: Scalars['ID']['input'];
};

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

export type UpdateWebhookEndpointInput = {
  description?: InputMaybe<Scalars['String']['input']>;
  enabled?: InputMaybe<Scalars['Boolean']['input']>;
  eventTypes?: InputMaybe<Array<WebhookEventType>>;
  id: Scalars['ID']['input'];
  url?: InputMaybe<Scalars['String']['input']>;
};

export type VerifyConnectionInput = {
  connectionId: Scalars['ID']['input'];
};

export type WebhookDeliveryStatus =
  /** Every attempt failed; only redeliverWebhook sends it again. */
  | 'FAILED'
  /** Not delivered yet; attempts go on. */
  | 'PENDING'
  /** The endpoint answered 2xx. */
  | 'SUCCEEDED';

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

export type SdkIntegrationFragment = { __typename?: 'Integration', id: string, slug: string, name: string, provider: string, authType: AuthType, scopes: Array<string>, createdAt: string };

export type SdkConnectionFragment = { __typename?: 'Connection', id: string, name: string, displayName: string | null, ownerId: string | null, status: ConnectionStatus, statusMessage: string | null, tags: Record<string, unknown>, metadata: Record<string, unknown>, scopes: Array<string>, tokenExpiresAt: string | null, lastRefreshedAt: string | null, createdAt: string, updatedAt: string, integration: { __typename?: 'Integration', slug: string } };

type SdkError_ForbiddenError_Fragment = { __typename: 'ForbiddenError', code: ErrorCode, message: string };

type SdkError_NotFoundError_Fragment = { __typename: 'NotFoundError', code: ErrorCode, message: string };

type SdkError_ProviderError_Fragment = { __typename: 'ProviderError', retryAfterSeconds: number | null, providerStatus: number | null, providerError: string | null, providerErrorDescription: string | null, code: ErrorCode, message: string };

type SdkError_QuotaExceededError_Fragment = { __typename: 'QuotaExceededError', code: ErrorCode, message: string };

type SdkError_RateLimitedError_Fragment = { __typename: 'RateLimitedError', retryAfterSeconds: number | null, code: ErrorCode, message: string };

type SdkError_ReauthorizationRequiredError_Fragment = { __typename: 'ReauthorizationRequiredError', code: ErrorCode, message: string, reauthorizeConnection: { __typename?: 'Connection', id: string } | null };

type SdkError_UpstreamUnavailableError_Fragment = { __typename: 'UpstreamUnavailableError', code: ErrorCode, message: string };

type SdkError_ValidationError_Fragment = { __typename: 'ValidationError', code: ErrorCode, message: string, fieldErrors: Array<{ __typename?: 'FieldError', field: string, message: string }> };

export type SdkErrorFragment =
  | SdkError_ForbiddenError_Fragment
  | SdkError_NotFoundError_Fragment
  | SdkError_ProviderError_Fragment
  | SdkError_QuotaExceededError_Fragment
  | SdkError_RateLimitedError_Fragment
  | SdkError_ReauthorizationRequiredError_Fragment
  | SdkError_UpstreamUnavailableError_Fragment
  | SdkError_ValidationError_Fragment
;

export type SdkIntegrationsQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type SdkIntegrationsQuery = { __typename?: 'Query', integrations: { __typename?: 'IntegrationConnection', totalCount: number, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor: string | null }, edges: Array<{ __typename?: 'IntegrationEdge', node: { __typename?: 'Integration', id: string, slug: string, name: string, provider: string, authType: AuthType, scopes: Array<string>, createdAt: string } }> } };

export type SdkConnectionsQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
  integration?: InputMaybe<Scalars['String']['input']>;
  ownerId?: InputMaybe<Scalars['String']['input']>;
  status?: InputMaybe<ConnectionStatus>;
  tags?: InputMaybe<Scalars['JSONObject']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
}>;


export type SdkConnectionsQuery = { __typename?: 'Query', connections: { __typename?: 'ConnectionConnection', totalCount: number, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor: string | null }, edges: Array<{ __typename?: 'ConnectionEdge', node: { __typename?: 'Connection', id: string, name: string, displayName: string | null, ownerId: string | null, status: ConnectionStatus, statusMessage: string | null, tags: Record<string, unknown>, metadata: Record<string, unknown>, scopes: Array<string>, tokenExpiresAt: string | null, lastRefreshedAt: string | null, createdAt: string, updatedAt: string, integration: { __typename?: 'Integration', slug: string } } }> } };

export type SdkConnectionQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type SdkConnectionQuery = { __typename?: 'Query', node:
    | { __typename: 'ApiKey' }
    | { __typename: 'AuditEvent' }
    | { __typename: 'Connection', id: string, name: string, displayName: string | null, ownerId: string | null, status: ConnectionStatus, statusMessage: string | null, tags: Record<string, unknown>, metadata: Record<string, unknown>, scopes: Array<string>, tokenExpiresAt: string | null, lastRefreshedAt: string | null, createdAt: string, updatedAt: string, integration: { __typename?: 'Integration', slug: string } }
    | { __typename: 'Integration' }
    | { __typename: 'Operation' }
    | { __typename: 'ProviderWebhook' }
    | { __typename: 'WebhookDelivery' }
    | { __typename: 'WebhookEndpoint' }
   | null };

export type SdkUpdateConnectionMutationVariables = Exact<{
  input: UpdateConnectionInput;
}>;


export type SdkUpdateConnectionMutation = { __typename?: 'Mutation', updateConnection:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UpdateConnectionPayload', connection: { __typename?: 'Connection', id: string, name: string, displayName: string | null, ownerId: string | null, status: ConnectionStatus, statusMessage: string | null, tags: Record<string, unknown>, metadata: Record<string, unknown>, scopes: Array<string>, tokenExpiresAt: string | null, lastRefreshedAt: string | null, createdAt: string, updatedAt: string, integration: { __typename?: 'Integration', slug: string } } }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fieldErrors: Array<{ __typename?: 'FieldError', field: string, message: string }> }
   };

export type SdkCreateConnectSessionMutationVariables = Exact<{
  input: CreateConnectSessionInput;
}>;


export type SdkCreateConnectSessionMutation = { __typename?: 'Mutation', createConnectSession:
    | { __typename: 'CreateConnectSessionPayload', token: string, connectUrl: string, expiresAt: string, session: { __typename?: 'ConnectSession', id: string, endUserId: string, connectionName: string } }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'QuotaExceededError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fieldErrors: Array<{ __typename?: 'FieldError', field: string, message: string }> }
   };

export type SdkProxyRequestMutationVariables = Exact<{
  input: ProxyRequestInput;
}>;


export type SdkProxyRequestMutation = { __typename?: 'Mutation', proxyRequest:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ProviderError', retryAfterSeconds: number | null, providerStatus: number | null, providerError: string | null, providerErrorDescription: string | null, code: ErrorCode, message: string }
    | { __typename: 'ProxyResponse', ok: boolean, status: number, headers: Record<string, unknown>, data: unknown | null, body: string | null, bodyBase64: string | null, url: string, attempts: number, durationMs: number }
    | { __typename: 'RateLimitedError', retryAfterSeconds: number | null, code: ErrorCode, message: string }
    | { __typename: 'ReauthorizationRequiredError', code: ErrorCode, message: string, reauthorizeConnection: { __typename?: 'Connection', id: string } | null }
    | { __typename: 'UpstreamUnavailableError', code: ErrorCode, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, message: string, fieldErrors: Array<{ __typename?: 'FieldError', field: string, message: string }> }
   };

export type SdkRefreshConnectionMutationVariables = Exact<{
  input: RefreshConnectionInput;
}>;


export type SdkRefreshConnectionMutation = { __typename?: 'Mutation', refreshConnection:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ProviderError', retryAfterSeconds: number | null, providerStatus: number | null, providerError: string | null, providerErrorDescription: string | null, code: ErrorCode, message: string }
    | { __typename: 'ReauthorizationRequiredError', code: ErrorCode, message: string, reauthorizeConnection: { __typename?: 'Connection', id: string } | null }
    | { __typename: 'RefreshConnectionPayload', connection: { __typename?: 'Connection', id: string, name: string, displayName: string | null, ownerId: string | null, status: ConnectionStatus, statusMessage: string | null, tags: Record<string, unknown>, metadata: Record<string, unknown>, scopes: Array<string>, tokenExpiresAt: string | null, lastRefreshedAt: string | null, createdAt: string, updatedAt: string, integration: { __typename?: 'Integration', slug: string } } }
   };

export type SdkDisconnectMutationVariables = Exact<{
  input: DisconnectInput;
}>;


export type SdkDisconnectMutation = { __typename?: 'Mutation', disconnect:
    | { __typename: 'DisconnectPayload', disconnectedConnectionId: string, revoked: boolean }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NotFoundError', code: ErrorCode, message: string }
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
export const SdkIntegrationFragmentDoc = new TypedDocumentString(`
    fragment SdkIntegration on Integration {
  id
  slug
  name
  provider
  authType
  scopes
  createdAt
}
    `, {"fragmentName":"SdkIntegration"}) as unknown as TypedDocumentString<SdkIntegrationFragment, unknown>;
export const SdkConnectionFragmentDoc = new TypedDocumentString(`
    fragment SdkConnection on Connection {
  id
  name
  displayName
  ownerId
  status
  statusMessage
  tags
  metadata
  scopes
  tokenExpiresAt
  lastRefreshedAt
  createdAt
  updatedAt
  integration {
    slug
  }
}
    `, {"fragmentName":"SdkConnection"}) as unknown as TypedDocumentString<SdkConnectionFragment, unknown>;
export const SdkErrorFragmentDoc = new TypedDocumentString(`
    fragment SdkError on Error {
  __typename
  code
  message
  ... on ValidationError {
    fieldErrors {
      field
      message
    }
  }
  ... on RateLimitedError {
    retryAfterSeconds
  }
  ... on ProviderError {
    retryAfterSeconds
    providerStatus
    providerError
    providerErrorDescription
  }
  ... on ReauthorizationRequiredError {
    reauthorizeConnection: connection {
      id
    }
  }
}
    `, {"fragmentName":"SdkError"}) as unknown as TypedDocumentString<SdkErrorFragment, unknown>;
export const SdkIntegrationsDocument = new TypedDocumentString(`
    query SdkIntegrations($first: Int, $after: String) {
  integrations(first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        ...SdkIntegration
      }
    }
  }
}
    fragment SdkIntegration on Integration {
  id
  slug
  name
  provider
  authType
  scopes
  createdAt
}`) as unknown as TypedDocumentString<SdkIntegrationsQuery, SdkIntegrationsQueryVariables>;
export const SdkConnectionsDocument = new TypedDocumentString(`
    query SdkConnections($first: Int, $after: String, $integration: String, $ownerId: String, $status: ConnectionStatus, $tags: JSONObject, $search: String) {
  connections(
    first: $first
    after: $after
    integration: $integration
    ownerId: $ownerId
    status: $status
    tags: $tags
    search: $search
  ) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        ...SdkConnection
      }
    }
  }
}
    fragment SdkConnection on Connection {
  id
  name
  displayName
  ownerId
  status
  statusMessage
  tags
  metadata
  scopes
  tokenExpiresAt
  lastRefreshedAt
  createdAt
  updatedAt
  integration {
    slug
  }
}`) as unknown as TypedDocumentString<SdkConnectionsQuery, SdkConnectionsQueryVariables>;
export const SdkConnectionDocument = new TypedDocumentString(`
    query SdkConnection($id: ID!) {
  node(id: $id) {
    __typename
    ... on Connection {
      ...SdkConnection
    }
  }
}
    fragment SdkConnection on Connection {
  id
  name
  displayName
  ownerId
  status
  statusMessage
  tags
  metadata
  scopes
  tokenExpiresAt
  lastRefreshedAt
  createdAt
  updatedAt
  integration {
    slug
  }
}`) as unknown as TypedDocumentString<SdkConnectionQuery, SdkConnectionQueryVariables>;
export const SdkUpdateConnectionDocument = new TypedDocumentString(`
    mutation SdkUpdateConnection($input: UpdateConnectionInput!) {
  updateConnection(input: $input) {
    __typename
    ... on UpdateConnectionPayload {
      connection {
        ...SdkConnection
      }
    }
    ...SdkError
  }
}
    fragment SdkConnection on Connection {
  id
  name
  displayName
  ownerId
  status
  statusMessage
  tags
  metadata
  scopes
  tokenExpiresAt
  lastRefreshedAt
  createdAt
  updatedAt
  integration {
    slug
  }
}
fragment SdkError on Error {
  __typename
  code
  message
  ... on ValidationError {
    fieldErrors {
      field
      message
    }
  }
  ... on RateLimitedError {
    retryAfterSeconds
  }
  ... on ProviderError {
    retryAfterSeconds
    providerStatus
    providerError
    providerErrorDescription
  }
  ... on ReauthorizationRequiredError {
    reauthorizeConnection: connection {
      id
    }
  }
}`) as unknown as TypedDocumentString<SdkUpdateConnectionMutation, SdkUpdateConnectionMutationVariables>;
export const SdkCreateConnectSessionDocument = new TypedDocumentString(`
    mutation SdkCreateConnectSession($input: CreateConnectSessionInput!) {
  createConnectSession(input: $input) {
    __typename
    ... on CreateConnectSessionPayload {
      token
      connectUrl
      expiresAt
      session {
        id
        endUserId
        connectionName
      }
    }
    ...SdkError
  }
}
    fragment SdkError on Error {
  __typename
  code
  message
  ... on ValidationError {
    fieldErrors {
      field
      message
    }
  }
  ... on RateLimitedError {
    retryAfterSeconds
  }
  ... on ProviderError {
    retryAfterSeconds
    providerStatus
    providerError
    providerErrorDescription
  }
  ... on ReauthorizationRequiredError {
    reauthorizeConnection: connection {
      id
    }
  }
}`) as unknown as TypedDocumentString<SdkCreateConnectSessionMutation, SdkCreateConnectSessionMutationVariables>;
export const SdkProxyRequestDocument = new TypedDocumentString(`
    mutation SdkProxyRequest($input: ProxyRequestInput!) {
  proxyRequest(input: $input) {
    __typename
    ... on ProxyResponse {
      ok
      status
      headers
      data
      body
      bodyBase64
      url
      attempts
      durationMs
    }
    ...SdkError
  }
}
    fragment SdkError on Error {
  __typename
  code
  message
  ... on ValidationError {
    fieldErrors {
      field
      message
    }
  }
  ... on RateLimitedError {
    retryAfterSeconds
  }
  ... on ProviderError {
    retryAfterSeconds
    providerStatus
    providerError
    providerErrorDescription
  }
  ... on ReauthorizationRequiredError {
    reauthorizeConnection: connection {
      id
    }
  }
}`) as unknown as TypedDocumentString<SdkProxyRequestMutation, SdkProxyRequestMutationVariables>;
export const SdkRefreshConnectionDocument = new TypedDocumentString(`
    mutation SdkRefreshConnection($input: RefreshConnectionInput!) {
  refreshConnection(input: $input) {
    __typename
    ... on RefreshConnectionPayload {
      connection {
        ...SdkConnection
      }
    }
    ...SdkError
  }
}
    fragment SdkConnection on Connection {
  id
  name
  displayName
  ownerId
  status
  statusMessage
  tags
  metadata
  scopes
  tokenExpiresAt
  lastRefreshedAt
  createdAt
  updatedAt
  integration {
    slug
  }
}
fragment SdkError on Error {
  __typename
  code
  message
  ... on ValidationError {
    fieldErrors {
      field
      message
    }
  }
  ... on RateLimitedError {
    retryAfterSeconds
  }
  ... on ProviderError {
    retryAfterSeconds
    providerStatus
    providerError
    providerErrorDescription
  }
  ... on ReauthorizationRequiredError {
    reauthorizeConnection: connection {
      id
    }
  }
}`) as unknown as TypedDocumentString<SdkRefreshConnectionMutation, SdkRefreshConnectionMutationVariables>;
export const SdkDisconnectDocument = new TypedDocumentString(`
    mutation SdkDisconnect($input: DisconnectInput!) {
  disconnect(input: $input) {
    __typename
    ... on DisconnectPayload {
      disconnectedConnectionId
      revoked
    }
    ...SdkError
  }
}
    fragment SdkError on Error {
  __typename
  code
  message
  ... on ValidationError {
    fieldErrors {
      field
      message
    }
  }
  ... on RateLimitedError {
    retryAfterSeconds
  }
  ... on ProviderError {
    retryAfterSeconds
    providerStatus
    providerError
    providerErrorDescription
  }
  ... on ReauthorizationRequiredError {
    reauthorizeConnection: connection {
      id
    }
  }
}`) as unknown as TypedDocumentString<SdkDisconnectMutation, SdkDisconnectMutationVariables>;