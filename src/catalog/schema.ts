// The shape of a provider template (src/catalog/providers.yaml), checked with zod when the catalog
// loads and by a test: absolute https URLs, declared template values, known quirks only.
import { z } from 'zod';

/** `${connectionConfig.name}`: a value the user gives when connecting (a subdomain, a tenant…). */
export const CONNECTION_CONFIG_PLACEHOLDER = /\$\{connectionConfig\.([A-Za-z0-9_]+)\}/g;
/** `${metadata.path}`: a value the provider returned when connecting (Salesforce's instance_url…). */
export const METADATA_PLACEHOLDER = /\$\{metadata\.([A-Za-z0-9_.]+)\}/g;

function placeholders(value: string, pattern: RegExp): string[] {
  return [...value.matchAll(pattern)].map((match) => match[1]!);
}

/** A URL, possibly templated, that must be absolute https once its placeholders are filled. */
const templatedHttpsUrl = z.string().superRefine((value, ctx) => {
  const filled = value
    .replace(CONNECTION_CONFIG_PLACEHOLDER, 'placeholder')
    .replace(METADATA_PLACEHOLDER, (_match, path: string, offset: number) => (offset === 0 ? 'https://placeholder.example' : path.replace(/\W/g, '')));
  let url: URL;
  try {
    url = new URL(filled);
  } catch {
    ctx.addIssue({ code: 'custom', message: `${value} is not an absolute URL` });
    return;
  }
  if (url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `${value} must use https` });
});

const jsonPath = z.string().regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/);

/**
 * A host pattern for a user-supplied host value: an exact host ("login.example.com"), or "*." and a
 * domain ("*.okta.com"), where "*" stands for one or more labels (acme.okta.com, acme.eu.auth0.com).
 */
const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

/**
 * A value a user (or an admin) supplies for `${connectionConfig.name}`. What it may contain depends on
 * `kind` (these rules are what stops a user from sending an integration's client secret elsewhere):
 * - `label` (the default): one host label or identifier, [A-Za-z0-9_-] only (no `.`, `:`, `/`, `@`,
 *   `?`, `%`). In a host it must sit before a fixed domain: `https://${connectionConfig.subdomain}.zendesk.com`.
 * - `segment`: one URL path segment, which may also contain dots (a tenant domain in a path:
 *   `https://login.microsoftonline.com/${connectionConfig.tenant}/…`); never in a host.
 * - `host`: a whole host name, and the placeholder must be the URL's whole host
 *   (`https://${connectionConfig.domain}/oauth2/default`). A user's value must match one of `hosts`
 *   (patterns as HOST_PATTERN, e.g. ['*.okta.com', '*.oktapreview.com']); with no `hosts`, `setBy`
 *   must be `admin`.
 * - `text`: any printable value sent as a token request parameter (tokenParams: an audience with a
 *   path, a URN); never in a URL, so it cannot steer where anything is sent.
 * - `choice`: one of `values`, listed in the catalog (a region: `us | eu | au`). Every listed value
 *   is checked in every URL when the catalog loads, so a choice may sit anywhere, host included.
 * `setBy: admin` means only an admin sets the value, on the integration (createIntegration's
 * `connectionConfig`), for every connection: for hosts a provider cannot pin (self-hosted Keycloak,
 * GitLab) and custom domains. An admin's value need not match `hosts`.
 */
export const connectionConfigFieldSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_]+$/),
    description: z.string(),
    default: z.string().optional(),
    example: z.string().optional(),
    kind: z.enum(['label', 'segment', 'host', 'text', 'choice']).optional(),
    /** kind: choice — the values a user picks from (the first is the usual default). */
    values: z
      .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, 'a choice is letters, digits, ".", "_" and "-"'))
      .min(1)
      .optional(),
    hosts: z.array(z.string().regex(HOST_PATTERN, 'a host pattern is a host name, or *. and a domain')).min(1).optional(),
    setBy: z.enum(['user', 'admin']).optional(),
    /**
     * A callback query parameter that, when present, sets this value after consent (Zoho's
     * `accounts-server`: the data centre the user signed in to). Its host (a URL or a bare host) must be
     * one of the choice's values or match the field's hosts; the code exchange and later refreshes use it.
     */
    fromCallback: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .optional(),
  })
  .superRefine((field, ctx) => {
    if (field.fromCallback && field.kind !== 'choice' && !(field.kind === 'host' && field.hosts)) {
      ctx.addIssue({ code: 'custom', message: `${field.name}: fromCallback needs kind: choice, or kind: host with hosts` });
    }
    if (field.hosts && field.kind !== 'host') ctx.addIssue({ code: 'custom', message: `${field.name}: hosts apply to kind: host only` });
    if ((field.kind === 'choice') !== (field.values !== undefined)) ctx.addIssue({ code: 'custom', message: `${field.name}: values go with kind: choice` });
    if (field.kind === 'choice' && field.default !== undefined && !field.values?.includes(field.default)) {
      ctx.addIssue({ code: 'custom', message: `${field.name}: the default must be one of the values` });
    }
    if (field.kind === 'host' && !field.hosts && field.setBy !== 'admin') {
      ctx.addIssue({ code: 'custom', message: `${field.name}: a host a user supplies needs hosts patterns; otherwise setBy: admin` });
    }
  });

export type ConnectionConfigField = z.output<typeof connectionConfigFieldSchema>;

/** kind: label — one host label or identifier: no `.`, `:`, `/`, `@`, `?`, `%`. */
const LABEL_VALUE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
/** kind: segment — one path segment; dots allowed (a tenant domain), but not "." or "..". */
const SEGMENT_VALUE = /^(?!\.+$)[A-Za-z0-9._-]{1,253}$/;
/** kind: host — a host name of two or more labels. */
/** kind: text — printable, no control characters, at most 1024 characters. */
const TEXT_VALUE = /^[^\p{Cc}]{1,1024}$/u;
const HOST_VALUE = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Whether a host matches a pattern: exact, or "*." and a domain where "*" is one or more labels. */
export function hostMatchesPattern(host: string, pattern: string): boolean {
  const value = host.toLowerCase();
  if (!pattern.startsWith('*.')) return value === pattern;
  const suffix = pattern.slice(1); // ".okta.com"
  return value.length > suffix.length && value.endsWith(suffix) && HOST_VALUE.test(`${value.slice(0, -suffix.length)}.x`);
}

/**
 * What is wrong with a value for a field, by its kind (undefined when nothing). `byAdmin`: an admin's
 * host need not match the field's hosts (a custom domain, a self-hosted server). Whether a host is
 * public is checked where the configuration is known (src/provider/templates.ts).
 */
export function connectionValueProblem(
  field: Pick<ConnectionConfigField, 'kind' | 'hosts' | 'values'> | undefined,
  value: unknown,
  byAdmin = false,
): string | undefined {
  if (typeof value !== 'string') return 'must be a string.';
  switch (field?.kind ?? 'label') {
    case 'label':
      return LABEL_VALUE.test(value) ? undefined : 'is a label: letters, digits, "_" and "-" only (no ".", ":", "/", "@", "?", "%").';
    case 'segment':
      return SEGMENT_VALUE.test(value) ? undefined : 'is a path segment: letters, digits, ".", "_" and "-" only.';
    case 'text':
      return TEXT_VALUE.test(value) ? undefined : 'is at most 1024 printable characters.';
    case 'choice':
      return field?.values?.includes(value) ? undefined : `must be one of: ${(field?.values ?? []).join(', ')}.`;
    case 'host': {
      if (!HOST_VALUE.test(value)) return 'must be a host name such as login.example.com (no scheme, port, path or credentials).';
      if (byAdmin) return undefined;
      const hosts = field?.hosts ?? [];
      if (hosts.some((pattern) => hostMatchesPattern(value, pattern))) return undefined;
      return hosts.length
        ? `must be a host of this provider: ${hosts.join(', ')} (an admin can set another on the integration).`
        : 'is set by an admin on the integration.';
    }
  }
}

/**
 * Where `${connectionConfig.x}` placeholders sit in a URL template, judged by their fields' kinds: a
 * host value only as the whole host, a label in a host only before a fixed domain, a path segment
 * never in a host. Undeclared names count as labels. Returns the problems (empty when sound).
 */
export function placeholderPlacementProblems(url: string, fields: readonly Pick<ConnectionConfigField, 'name' | 'kind'>[]): string[] {
  const kindOf = (name: string) => fields.find((field) => field.name === name)?.kind ?? 'label';
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0];
  const authority = scheme ? /^[^/?#]*/.exec(url.slice(scheme.length))![0] : '';
  const host = authority.replace(/:\d+$/, '');
  const hostStart = scheme?.length ?? -1;
  const problems: string[] = [];
  for (const match of url.matchAll(CONNECTION_CONFIG_PLACEHOLDER)) {
    const name = match[1]!;
    const inHost = scheme !== undefined && match.index! >= hostStart && match.index! < hostStart + host.length;
    const kind = kindOf(name);
    if (kind === 'text') {
      problems.push(`\${connectionConfig.${name}} is free text: it may be a token request parameter, never part of a URL`);
    } else if (kind === 'choice') {
      // Listed values: each is checked in place when the catalog loads (choiceProblems).
    } else if (kind === 'host') {
      // The whole host, or its domain after fixed labels (accounts.${domain}).
      if (host !== match[0] && !host.endsWith(`.${match[0]}`))
        problems.push(`\${connectionConfig.${name}} is a host: it must be the URL's whole host (or follow fixed labels)`);
    } else if (inHost) {
      if (kind === 'segment') problems.push(`\${connectionConfig.${name}} is a path segment: it cannot be in the host`);
      else if (!/\}\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(host)) {
        problems.push(
          `\${connectionConfig.${name}} is a label: in a host it must come before a fixed domain (\${connectionConfig.${name}}.example.com), or declare it kind: host with hosts`,
        );
      }
    }
  }
  return problems;
}

/**
 * Every listed value of each `kind: choice` field in a URL, filled in (other placeholders as sample
 * values), must give an absolute https URL whose host is a plain host name: the catalog, not the user,
 * decides where a choice points. Returns the problems (empty when sound).
 */
function choiceProblems(url: string, fields: readonly Pick<ConnectionConfigField, 'name' | 'kind' | 'values'>[]): string[] {
  const problems: string[] = [];
  for (const field of fields) {
    if (field.kind !== 'choice' || !url.includes(`\${connectionConfig.${field.name}}`)) continue;
    for (const value of field.values ?? []) {
      const filled = url
        .replaceAll(`\${connectionConfig.${field.name}}`, value)
        .replace(CONNECTION_CONFIG_PLACEHOLDER, 'placeholder')
        .replace(METADATA_PLACEHOLDER, (_match, path: string, offset: number) => (offset === 0 ? 'https://placeholder.example' : path.replace(/\W/g, '')));
      let host: string | undefined;
      try {
        const parsed = new URL(filled);
        host = parsed.protocol === 'https:' && !parsed.username && !parsed.port ? parsed.hostname : undefined;
      } catch {
        host = undefined;
      }
      if (!host || !HOST_VALUE.test(host)) problems.push(`${url} with ${field.name} = ${value} is not an https URL on a host name`);
    }
  }
  return problems;
}

/**
 * How a rate-limit reset header counts: a Unix time (seconds or milliseconds), a delay (seconds or
 * milliseconds), a date (HTTP-date or ISO 8601), a duration ("6m0s", OpenAI and Groq), or auto (guessed
 * from the value).
 */
export const RATE_LIMIT_RESET_FORMATS = ['epoch-seconds', 'delta-seconds', 'epoch-milliseconds', 'delta-milliseconds', 'date', 'duration', 'auto'] as const;
const rateLimitResetFormat = z.enum(RATE_LIMIT_RESET_FORMATS);

/**
 * Where a value sits in a provider's webhook: `header:<name>`, or a dotted path into the body (JSON,
 * or a form's fields), where a digit is an array index and `*` every element (`value.*.clientState`).
 */
const webhookValuePath = z.string().regex(/^(header:[A-Za-z0-9-]+|[A-Za-z0-9_*]+(\.[A-Za-z0-9_*]+)*)$/, 'header:<name>, or a dotted path into the body');

/**
 * How a provider signs its webhooks: one code path (src/webhooks/provider/verify.ts) reads
 * these fields. `hmac`: a keyed hash of `signed` (a template of {body}, {timestamp}, {method}, {url},
 * {id}, {form}) in `header`, written `format`: `plain` (the header, after `prefix`), `keyed`
 * (`t=…,v1=…` pairs: Stripe, Calendly) or `standard` (space-separated `v1,<sig>`: Standard Webhooks).
 * `clientState`: a shared value the provider repeats in the body (Microsoft Graph). The secret is the
 * integration's providerWebhookSecret or its clientSecret; `whsec` secrets are base64 after `whsec_`.
 */
export const webhookVerificationSchema = z
  .object({
    kind: z.enum(['hmac', 'clientState']).default('hmac'),
    algorithm: z.enum(['sha256', 'sha1']).default('sha256'),
    encoding: z.enum(['hex', 'base64']).default('hex'),
    header: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/)
      .optional(),
    format: z.enum(['plain', 'keyed', 'standard']).default('plain'),
    prefix: z.string().max(20).optional(),
    /** `keyed` format: the key of the signatures (v1) and of the timestamp (t). */
    signatureKey: z.string().default('v1'),
    timestampKey: z.string().optional(),
    /** Where the timestamp is (a header, or the body) and how old it may be. */
    timestamp: z
      .object({
        from: webhookValuePath.optional(),
        unit: z.enum(['seconds', 'milliseconds']).default('seconds'),
        toleranceSeconds: z.number().int().min(1).max(86_400).default(300),
      })
      .optional(),
    signed: z.string().default('{body}'),
    /** The header whose value {id} stands for (webhook-id). */
    idHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/)
      .optional(),
    secret: z.enum(['providerWebhookSecret', 'clientSecret']).default('providerWebhookSecret'),
    secretFormat: z.enum(['text', 'whsec']).default('text'),
    /** `clientState`: where the body repeats the secret (every value found must equal it). */
    clientStatePath: webhookValuePath.optional(),
  })
  .superRefine((verification, ctx) => {
    if (verification.kind === 'hmac' && !verification.header) ctx.addIssue({ code: 'custom', message: 'an hmac verification needs the signature header' });
    if (verification.kind === 'clientState' && !verification.clientStatePath)
      ctx.addIssue({ code: 'custom', message: 'a clientState verification needs clientStatePath' });
    if (verification.signed.includes('{timestamp}') && !verification.timestamp && verification.format !== 'keyed')
      ctx.addIssue({ code: 'custom', message: 'signed uses {timestamp}: say where it is (timestamp.from)' });
    if (verification.signed.includes('{id}') && !verification.idHeader) ctx.addIssue({ code: 'custom', message: 'signed uses {id}: give idHeader' });
  });

/**
 * A provider's webhooks: how they are verified, the URL handshake it sends (`slack` url_verification,
 * `zoom` endpoint.url_validation, `microsoftGraph` validationToken, `dropbox` GET challenge), where
 * the event names its type, id and account, which connection field holds that account (`metadata.x`
 * or `connectionConfig.x`, captured at connect time), and which headers are forwarded.
 */
export const providerWebhooksSchema = z.object({
  verification: webhookVerificationSchema,
  handshake: z.enum(['slack', 'zoom', 'microsoftGraph', 'dropbox']).optional(),
  eventType: z.array(webhookValuePath).default([]),
  eventId: z.array(webhookValuePath).default([]),
  route: z
    .array(
      z.object({
        from: webhookValuePath,
        to: z.string().regex(/^(metadata|connectionConfig)\.[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, 'metadata.<path> or connectionConfig.<name>'),
        /** Removed from the event's value first: Shopify's header names acme.myshopify.com, the connection holds acme. */
        stripSuffix: z.string().optional(),
      }),
    )
    .default([]),
  forwardHeaders: z.array(z.string().regex(/^[A-Za-z0-9-]+$/)).default([]),
  /** What to register with the provider, for the docs. */
  notes: z.string().optional(),
});

export type ProviderWebhooksDeclaration = z.output<typeof providerWebhooksSchema>;
export type WebhookVerification = z.output<typeof webhookVerificationSchema>;
/** `{name}` in an MCP tool's path: an input, sent as one percent-encoded path segment. */
export const MCP_PATH_PARAMETER = /\{([A-Za-z0-9_]+)\}/g;

const jsonSchemaProperty = z.looseObject({ type: z.string().optional(), description: z.string().min(1) });

/**
 * One operation of a provider's API as an MCP tool: `{input}` in `path` comes from the input of that
 * name (required), `query` names the inputs sent in the query string, `body` those sent as a JSON
 * object; `bodyEncoding: rfc822` builds an e-mail (to, cc, bcc, subject, text) and sends it as
 * Gmail's `{ raw }`. Every input is described in `inputSchema` (a JSON Schema object an LLM reads).
 */
export const mcpToolSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,47}$/),
    description: z.string().min(20),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    path: z.string().regex(/^[^\s?#]*$/, 'path is relative to the API base URL, without a query'),
    query: z.array(z.string()).default([]),
    body: z.array(z.string()).default([]),
    bodyEncoding: z.enum(['json', 'rfc822']).default('json'),
    inputSchema: z.object({
      type: z.literal('object'),
      properties: z.record(z.string().regex(/^[A-Za-z0-9_]+$/), jsonSchemaProperty),
      required: z.array(z.string()).default([]),
    }),
  })
  .superRefine((tool, ctx) => {
    const properties = Object.keys(tool.inputSchema.properties);
    const pathInputs = [...tool.path.matchAll(MCP_PATH_PARAMETER)].map((match) => match[1]!);
    for (const name of [...pathInputs, ...tool.query, ...tool.body, ...tool.inputSchema.required]) {
      if (!properties.includes(name)) ctx.addIssue({ code: 'custom', message: `${tool.name}: input "${name}" is not in inputSchema.properties` });
    }
    for (const name of pathInputs) {
      if (!tool.inputSchema.required.includes(name)) ctx.addIssue({ code: 'custom', message: `${tool.name}: path input "${name}" must be required` });
    }
    for (const name of properties) {
      if (!pathInputs.includes(name) && !tool.query.includes(name) && !tool.body.includes(name) && name !== 'connection') {
        ctx.addIssue({ code: 'custom', message: `${tool.name}: input "${name}" goes nowhere (path, query or body)` });
      }
    }
    if (tool.bodyEncoding === 'rfc822' && !['to', 'subject', 'text'].every((name) => tool.body.includes(name))) {
      ctx.addIssue({ code: 'custom', message: `${tool.name}: an rfc822 body needs the inputs to, subject and text` });
    }
    if ((tool.method === 'GET' || tool.method === 'DELETE') && tool.body.length) {
      ctx.addIssue({ code: 'custom', message: `${tool.name}: a ${tool.method} request has no body` });
    }
  });

export type McpToolTemplate = z.output<typeof mcpToolSchema>;

export const providerTemplateSchema = z
  .object({
    key: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/),
    name: z.string().min(1),
    categories: z.array(z.string()).default([]),
    logoUrl: templatedHttpsUrl.optional(),
    docsUrl: templatedHttpsUrl,
    authType: z
      .enum(['OAUTH2', 'API_KEY', 'BASIC', 'OAUTH2_CLIENT_CREDENTIALS', 'JWT_BEARER', 'GITHUB_APP', 'OAUTH1', 'SELF_SIGNED_JWT', 'TWO_STEP'])
      .default('OAUTH2'),
    /** OpenID Connect issuer: endpoints come from discovery (explicit URLs below win). */
    issuer: templatedHttpsUrl.optional(),
    authorizationUrl: templatedHttpsUrl.optional(),
    tokenUrl: templatedHttpsUrl.optional(),
    /** Some providers refresh at another endpoint than the one that exchanges codes. */
    refreshTokenUrl: templatedHttpsUrl.optional(),
    revocationUrl: templatedHttpsUrl.optional(),
    userinfoUrl: templatedHttpsUrl.optional(),
    apiBaseUrl: templatedHttpsUrl.optional(),
    /** Values a user must (or may, with a default) supply when connecting. */
    connectionConfig: z.array(connectionConfigFieldSchema).default([]),
    scopes: z.array(z.string()).default([]),
    scopeSeparator: z.string().min(1).max(3).default(' '),
    authorizationParams: z.record(z.string(), z.string()).default({}),
    pkce: z.enum(['required', 'supported', 'unsupported']).default('supported'),
    tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt']).default('client_secret_basic'),
    /**
     * private_key_jwt: what the client assertion holds. `audience`: the token endpoint unless given (a
     * template: Auth0 wants https://TENANT/, ZITADEL its issuer); `algorithm`: the key's own (RS256 or
     * ES256) unless the provider wants another (Epic RS384, Microsoft PS256); `keyIdHeader`: where the
     * integration's privateKeyId goes (kid, or Microsoft's certificate thumbprint x5t#S256).
     */
    clientAssertion: z
      .object({
        audience: z.string().min(1).optional(),
        algorithm: z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384']).optional(),
        keyIdHeader: z.enum(['kid', 'x5t#S256', 'x5t']).default('kid'),
      })
      .optional(),
    tokenRequestFormat: z.enum(['form', 'json']).default('form'),
    /** Where the standard fields sit in a non-standard token response (dotted paths). */
    tokenResponse: z
      .object({ accessToken: jsonPath.optional(), refreshToken: jsonPath.optional(), expiresIn: jsonPath.optional(), scope: jsonPath.optional() })
      .optional(),
    /** Kept as connection metadata: name → dotted path in the token response. */
    metadataFromTokenResponse: z.record(z.string(), jsonPath).default({}),
    /**
     * Host patterns (as connectionConfig hosts) a returned value must match when it fills the API base
     * URL: `${metadata.host}` anywhere in the host (Wrike's `host`), or an origin at the start
     * (Salesforce's `instance_url`). A value outside them leaves the connection without an API base URL.
     */
    metadataHosts: z.record(z.string(), z.array(z.string().regex(HOST_PATTERN, 'a host pattern is a host name, or *. and a domain')).min(1)).default({}),
    /** Kept as connection metadata: callback query parameters (QuickBooks' realmId). */
    metadataFromCallback: z.array(z.string()).default([]),
    /**
     * After connecting, GET this URL with the new token and keep the JSON answer as metadata[key]; with
     * `body`, POST it as JSON instead (GraphQL APIs: Linear's organization, for routing its webhooks).
     */
    postConnect: z.object({ url: templatedHttpsUrl, metadataKey: z.string(), body: z.record(z.string(), z.unknown()).optional() }).optional(),
    /**
     * BASIC integrations: the username kept as metadata[key] when it matches `pattern` (Twilio's
     * username is the Account SID its webhooks name, unless an API key SID is used).
     */
    metadataFromUsername: z.object({ key: z.string(), pattern: z.string() }).optional(),
    /** How API calls carry the credential, and which extra caller headers pass. */
    proxy: z
      .object({
        authHeader: z.string().optional(),
        authPrefix: z.string().optional(),
        authQueryParam: z.string().optional(),
        allowedHeaders: z.array(z.string()).optional(),
        /** Rate-limit headers, for the retry hints (a reset time when Retry-After is absent). */
        rateLimitResetHeader: z.string().optional(),
        rateLimitResetFormat: rateLimitResetFormat.optional(),
        /**
         * The header with the calls left in the provider's window (with rateLimitResetHeader): they feed the
         * connection's bucket, so that the proxy stops before the provider refuses. Without it the common
         * RateLimit-*, X-RateLimit-* and X-Rate-Limit-* headers are read.
         */
        rateLimitRemainingHeader: z.string().optional(),
        /** Statuses that mean "slow down" when they come with no calls left or a Retry-After, besides 429 and 403. */
        rateLimitStatuses: z.array(z.number().int().min(400).max(599)).optional(),
        /** Statuses retried (idempotent methods, with backoff) instead of the default 502, 503, 504. */
        retryableStatuses: z.array(z.number().int().min(400).max(599)).optional(),
      })
      .default({}),
    refresh: z.object({ rotating: z.boolean().default(false), expiringTokens: z.boolean().default(true) }).default({ rotating: false, expiringTokens: true }),
    notes: z.string().optional(),
    // ---- Machine-to-machine grants and OAuth 1.0a (issue 17) ----
    /** OAUTH1: where temporary credentials (a request token) are requested. */
    requestTokenUrl: templatedHttpsUrl.optional(),
    /** OAUTH1: how requests are signed. */
    signatureMethod: z.enum(['HMAC-SHA1', 'HMAC-SHA256', 'PLAINTEXT']).optional(),
    /** OAUTH1: the Authorization header's realm (not signed); may use ${connectionConfig.x} (NetSuite's account id). */
    realm: z.string().min(1).max(200).optional(),
    /** OAUTH2_CLIENT_CREDENTIALS, JWT_BEARER: extra token request parameters (audience, resource…); values may use ${connectionConfig.x}. */
    tokenParams: z.record(z.string(), z.string()).default({}),
    /** OAUTH2_CLIENT_CREDENTIALS: a grant_type other than client_credentials (Zoom's account_credentials). */
    grantType: z
      .string()
      .regex(/^[a-z_:.-]+$/)
      .optional(),
    /** JWT_BEARER: the assertion's audience when it is not the token URL, and where scopes go. */
    jwtBearer: z
      .object({
        /** Salesforce wants its login URL, DocuSign its bare host name. */
        audience: z.string().min(1).optional(),
        /** `assertion`: a `scope` claim (Google); `request`: a `scope` parameter; `none`: not sent (Salesforce). */
        scopes: z.enum(['assertion', 'request', 'none']).default('assertion'),
        /** Who the assertion's `iss` is: the service account (clientEmail) or the integration's clientId (Salesforce). */
        issuer: z.enum(['clientEmail', 'clientId']).default('clientEmail'),
      })
      .optional(),
    /**
     * SELF_SIGNED_JWT: the server signs a short-lived JWT with the connection's key and presents it as
     * the access token; there is no token endpoint (App Store Connect, Apple Music, WeatherKit, Ghost's
     * Admin API). `iat` and `exp` are set from `lifetimeSeconds`; `header` and `claims` values are
     * templates of `${connectionConfig.x}` and `${keyId}` (the key's id given with the key). `key`:
     * `pem` (an RSA or P-256 private key, for RS256/ES256) or `hex` (a shared secret written in hex, for
     * HS256; "id:secret" is read as keyId and secret, as Ghost prints its keys). A new JWT is signed
     * before the last one expires, through the token lifecycle (leases, exactly-once).
     */
    selfSignedJwt: z
      .object({
        algorithm: z.enum(['ES256', 'RS256', 'HS256']),
        key: z.enum(['pem', 'hex']).default('pem'),
        lifetimeSeconds: z.number().int().min(60).max(15_777_000),
        header: z.record(z.string().regex(/^[A-Za-z0-9_]+$/), z.string().min(1)).default({}),
        claims: z.record(z.string().regex(/^[A-Za-z0-9_]+$/), z.string().min(1)).default({}),
      })
      .refine((jwt) => (jwt.algorithm === 'HS256') === (jwt.key === 'hex'), 'HS256 signs with a hex secret (key: hex); ES256 and RS256 with a PEM key')
      .refine(
        (jwt) => !['alg', 'typ'].some((name) => name in jwt.header) && !['iat', 'exp'].some((name) => name in jwt.claims),
        'alg, typ, iat and exp are set by the server',
      )
      .optional(),
    /**
     * TWO_STEP: the token comes from one request templated from what the user typed — the values of
     * `${credentials.username}`, `${credentials.password}` and `${credentials.apiKey}` (stored sealed
     * like any credential) and `${connectionConfig.x}`. `url` may use only connection config (it is
     * checked like a token URL: a typed value never chooses where credentials go); `body` (JSON, or a
     * form when `format: form`), `headers` and `basicAuth` may use both. The answer's token is at
     * `token` (a dotted path), its lifetime at `expiresIn` (seconds) or `expiresAt` (a date or Unix
     * seconds), else `lifetimeSeconds`. Renewal repeats the request with the stored inputs before expiry.
     */
    tokenRequest: z
      .object({
        method: z.enum(['POST', 'GET', 'PUT']).default('POST'),
        url: templatedHttpsUrl,
        format: z.enum(['json', 'form']).default('json'),
        body: z.record(z.string(), z.unknown()).optional(),
        headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string()).default({}),
        basicAuth: z.object({ username: z.string(), password: z.string() }).optional(),
        token: jsonPath,
        expiresIn: jsonPath.optional(),
        expiresAt: jsonPath.optional(),
        lifetimeSeconds: z.number().int().min(60).max(31_536_000).optional(),
      })
      .refine((request) => !/\$\{credentials\./.test(request.url), 'tokenRequest.url may use ${connectionConfig.x} only, never what the user typed')
      .refine(
        (request) => request.expiresIn || request.expiresAt || request.lifetimeSeconds,
        'say how long the token lasts: expiresIn, expiresAt or lifetimeSeconds',
      )
      .refine((request) => request.method !== 'GET' || request.body === undefined, 'a GET token request has no body')
      .optional(),
    /**
     * The credential check (optional): one cheap authenticated request whose answer says whether the
     * provider accepts the credentials, used by verifyConnection, imports (createConnection) and the
     * scheduled health checks. `path` is relative to the connection's API base URL (the proxy's rules
     * apply), or `url` is an absolute (templated) https URL elsewhere at the provider. 401/403 means
     * refused; with `expect`, a 2xx answer must also carry that JSON field (dotted path), equal to
     * `equals` when given (Slack answers HTTP 200 with ok: false), present and not false/null otherwise.
     * `body` is sent as JSON (GraphQL APIs), `headers` are added (Notion-Version), `authPrefix` replaces
     * the proxy's prefix for this request (Twitch's validate endpoint wants "OAuth "). Without `verify`,
     * an OpenID Connect integration is checked at its userinfo endpoint; others have no check.
     */
    verify: z
      .object({
        method: z.enum(['GET', 'POST']).default('GET'),
        path: z
          .string()
          .regex(/^[^\s#]*$/, 'verify.path is a path (and query) relative to the API base URL')
          .optional(),
        url: templatedHttpsUrl.optional(),
        expect: z.object({ field: jsonPath, equals: z.union([z.string(), z.number(), z.boolean()]).optional() }).optional(),
        body: z.record(z.string(), z.unknown()).optional(),
        headers: z.record(z.string(), z.string()).optional(),
        authPrefix: z.string().optional(),
      })
      .refine((verify) => (verify.path === undefined) !== (verify.url === undefined), 'verify needs exactly one of path and url')
      .optional(),
    /**
     * Why an entry has no `verify` (at least a sentence): the provider has no cheap authenticated request
     * without side effects, or the credential reaches no API. A catalog test requires `verify` or this.
     */
    verifyUnavailable: z.string().min(20).optional(),
    /**
     * Where the connected account's id and display name are (optional): dotted paths (array indexes as
     * digits, `data.0.email`) into the verify answer (the default), the token response, the ID token's
     * claims or the userinfo answer. Feeds a connection's display name after connect and each check.
     */
    identity: z
      .object({
        from: z.enum(['verify', 'tokenResponse', 'idToken', 'userinfo']).default('verify'),
        id: jsonPath.optional(),
        displayName: jsonPath.optional(),
      })
      .refine((identity) => identity.id !== undefined || identity.displayName !== undefined, 'identity needs id or displayName')
      .optional(),
    /** Webhooks the provider sends: verification, handshake, routing to connections. */
    providerWebhooks: providerWebhooksSchema.optional(),
    /** The provider's most used operations as MCP tools (PUBLIC_URL/mcp), so that an agent needs no API knowledge for them. */
    mcpTools: z.array(mcpToolSchema).optional(),
  })
  .superRefine((template, ctx) => {
    const declared = new Set(template.connectionConfig.map((field) => field.name));
    const urls = [
      template.issuer,
      template.authorizationUrl,
      template.tokenUrl,
      template.refreshTokenUrl,
      template.revocationUrl,
      template.userinfoUrl,
      template.apiBaseUrl,
      template.postConnect?.url,
      template.verify?.url,
      template.requestTokenUrl,
      template.tokenRequest?.url,
    ];
    const templatedValues = [
      ...Object.values(template.tokenParams),
      ...(template.realm ? [template.realm] : []),
      ...Object.values(template.selfSignedJwt?.header ?? {}),
      ...Object.values(template.selfSignedJwt?.claims ?? {}),
      ...(template.clientAssertion?.audience ? [template.clientAssertion.audience] : []),
    ];
    for (const value of templatedValues) {
      for (const name of placeholders(value, CONNECTION_CONFIG_PLACEHOLDER)) {
        if (!declared.has(name)) ctx.addIssue({ code: 'custom', message: `${template.key}: \${connectionConfig.${name}} is not declared in connectionConfig` });
      }
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
        for (const problem of placeholderPlacementProblems(value, template.connectionConfig))
          ctx.addIssue({ code: 'custom', message: `${template.key}: ${problem}` });
      }
    }
    for (const url of urls.filter((value): value is string => Boolean(value))) {
      for (const problem of choiceProblems(url, template.connectionConfig)) ctx.addIssue({ code: 'custom', message: `${template.key}: ${problem}` });
      for (const name of placeholders(url, CONNECTION_CONFIG_PLACEHOLDER)) {
        if (!declared.has(name)) ctx.addIssue({ code: 'custom', message: `${template.key}: \${connectionConfig.${name}} is not declared in connectionConfig` });
      }
      for (const problem of placeholderPlacementProblems(url, template.connectionConfig))
        ctx.addIssue({ code: 'custom', message: `${template.key}: ${problem}` });
      if (url !== template.apiBaseUrl && placeholders(url, METADATA_PLACEHOLDER).length) {
        ctx.addIssue({ code: 'custom', message: `${template.key}: only apiBaseUrl may use \${metadata.…}` });
      }
    }
    for (const match of template.apiBaseUrl ? template.apiBaseUrl.matchAll(METADATA_PLACEHOLDER) : []) {
      const path = match[1]!;
      const name = path.split('.')[0]!;
      const hostEnd = template.apiBaseUrl!.indexOf('/', template.apiBaseUrl!.indexOf('://') + 3);
      const inHost = match.index !== 0 && (hostEnd === -1 || match.index! < hostEnd);
      if (inHost && !template.metadataHosts[path]) {
        ctx.addIssue({
          code: 'custom',
          message: `${template.key}: \${metadata.${path}} inside a URL's host needs metadataHosts.${path} (the host patterns it must match)`,
        });
      }
      const known = name in template.metadataFromTokenResponse || template.metadataFromCallback.includes(name) || template.postConnect?.metadataKey === name;
      if (!known)
        ctx.addIssue({ code: 'custom', message: `${template.key}: \${metadata.${path}} is not kept from the token response, the callback or postConnect` });
    }
    if (template.verify && template.verifyUnavailable) {
      ctx.addIssue({ code: 'custom', message: `${template.key}: verify and verifyUnavailable exclude each other` });
    }
    if (template.identity?.from === 'verify' && !template.verify) {
      ctx.addIssue({ code: 'custom', message: `${template.key}: identity is read from the verify answer, but there is no verify request` });
    }
    if (template.verify?.path !== undefined && !template.apiBaseUrl) {
      ctx.addIssue({ code: 'custom', message: `${template.key}: verify.path needs an apiBaseUrl (or give verify.url)` });
    }
    if (template.authType === 'OAUTH2' && !template.issuer && !(template.authorizationUrl && template.tokenUrl)) {
      ctx.addIssue({ code: 'custom', message: `${template.key}: an OAuth 2.0 provider needs an issuer or authorization and token URLs` });
    }
    if ((template.authType === 'OAUTH2_CLIENT_CREDENTIALS' || template.authType === 'JWT_BEARER') && !template.tokenUrl && !template.issuer) {
      ctx.addIssue({ code: 'custom', message: `${template.key}: a ${template.authType} provider needs a token URL` });
    }
    if (template.authType === 'GITHUB_APP' && !template.apiBaseUrl) {
      ctx.addIssue({ code: 'custom', message: `${template.key}: a GitHub App provider needs an apiBaseUrl (installation tokens are minted there)` });
    }
    if ((template.authType === 'TWO_STEP') !== (template.tokenRequest !== undefined)) {
      ctx.addIssue({ code: 'custom', message: `${template.key}: tokenRequest goes with authType TWO_STEP (and it needs one)` });
    }
    if ((template.authType === 'SELF_SIGNED_JWT') !== (template.selfSignedJwt !== undefined)) {
      ctx.addIssue({ code: 'custom', message: `${template.key}: selfSignedJwt goes with authType SELF_SIGNED_JWT (and it needs one)` });
    }
    if (template.clientAssertion && template.tokenEndpointAuthMethod !== 'private_key_jwt') {
      ctx.addIssue({ code: 'custom', message: `${template.key}: clientAssertion goes with tokenEndpointAuthMethod private_key_jwt` });
    }
    if (template.authType === 'SELF_SIGNED_JWT' && !template.apiBaseUrl) {
      ctx.addIssue({ code: 'custom', message: `${template.key}: a SELF_SIGNED_JWT provider needs an apiBaseUrl` });
    }
    if (template.authType === 'OAUTH1' && !(template.requestTokenUrl && template.authorizationUrl && template.tokenUrl)) {
      ctx.addIssue({ code: 'custom', message: `${template.key}: an OAuth 1.0a provider needs requestTokenUrl, authorizationUrl and tokenUrl` });
    }
  });

export type ProviderTemplate = z.output<typeof providerTemplateSchema>;
