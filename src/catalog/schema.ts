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
  const filled = value.replace(CONNECTION_CONFIG_PLACEHOLDER, 'placeholder').replace(METADATA_PLACEHOLDER, (_match, path: string, offset: number) =>
    offset === 0 ? 'https://placeholder.example' : path.replace(/\W/g, ''),
  );
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
 * How a rate-limit reset header counts: a Unix time (seconds or milliseconds), a delay (seconds or
 * milliseconds), a date (HTTP-date or ISO 8601), a duration ("6m0s", OpenAI and Groq), or auto (guessed
 * from the value).
 */
export const RATE_LIMIT_RESET_FORMATS = ['epoch-seconds', 'delta-seconds', 'epoch-milliseconds', 'delta-milliseconds', 'date', 'duration', 'auto'] as const;
const rateLimitResetFormat = z.enum(RATE_LIMIT_RESET_FORMATS);

export const providerTemplateSchema = z
  .object({
    key: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/),
    name: z.string().min(1),
    categories: z.array(z.string()).default([]),
    logoUrl: templatedHttpsUrl.optional(),
    docsUrl: templatedHttpsUrl,
    authType: z.enum(['OAUTH2', 'API_KEY', 'BASIC']).default('OAUTH2'),
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
    connectionConfig: z
      .array(z.object({ name: z.string().regex(/^[A-Za-z0-9_]+$/), description: z.string(), default: z.string().optional(), example: z.string().optional() }))
      .default([]),
    scopes: z.array(z.string()).default([]),
    scopeSeparator: z.string().min(1).max(3).default(' '),
    authorizationParams: z.record(z.string(), z.string()).default({}),
    pkce: z.enum(['required', 'supported', 'unsupported']).default('supported'),
    tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
    tokenRequestFormat: z.enum(['form', 'json']).default('form'),
    /** Where the standard fields sit in a non-standard token response (dotted paths). */
    tokenResponse: z
      .object({ accessToken: jsonPath.optional(), refreshToken: jsonPath.optional(), expiresIn: jsonPath.optional(), scope: jsonPath.optional() })
      .optional(),
    /** Kept as connection metadata: name → dotted path in the token response. */
    metadataFromTokenResponse: z.record(z.string(), jsonPath).default({}),
    /** Kept as connection metadata: callback query parameters (QuickBooks' realmId). */
    metadataFromCallback: z.array(z.string()).default([]),
    /** After connecting, GET this URL with the new token and keep the JSON answer as metadata[key]. */
    postConnect: z.object({ url: templatedHttpsUrl, metadataKey: z.string() }).optional(),
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
        path: z.string().regex(/^[^\s#]*$/, 'verify.path is a path (and query) relative to the API base URL').optional(),
        url: templatedHttpsUrl.optional(),
        expect: z.object({ field: jsonPath, equals: z.union([z.string(), z.number(), z.boolean()]).optional() }).optional(),
        body: z.record(z.string(), z.unknown()).optional(),
        headers: z.record(z.string(), z.string()).optional(),
        authPrefix: z.string().optional(),
      })
      .refine((verify) => (verify.path === undefined) !== (verify.url === undefined), 'verify needs exactly one of path and url')
      .optional(),
  })
  .superRefine((template, ctx) => {
    const declared = new Set(template.connectionConfig.map((field) => field.name));
    const urls = [template.issuer, template.authorizationUrl, template.tokenUrl, template.refreshTokenUrl, template.revocationUrl, template.userinfoUrl, template.apiBaseUrl, template.postConnect?.url, template.verify?.url];
    for (const url of urls.filter((value): value is string => Boolean(value))) {
      for (const name of placeholders(url, CONNECTION_CONFIG_PLACEHOLDER)) {
        if (!declared.has(name)) ctx.addIssue({ code: 'custom', message: `${template.key}: \${connectionConfig.${name}} is not declared in connectionConfig` });
      }
      if (url !== template.apiBaseUrl && placeholders(url, METADATA_PLACEHOLDER).length) {
        ctx.addIssue({ code: 'custom', message: `${template.key}: only apiBaseUrl may use \${metadata.…}` });
      }
    }
    for (const path of template.apiBaseUrl ? placeholders(template.apiBaseUrl, METADATA_PLACEHOLDER) : []) {
      const name = path.split('.')[0]!;
      const known = name in template.metadataFromTokenResponse || template.metadataFromCallback.includes(name) || template.postConnect?.metadataKey === name;
      if (!known) ctx.addIssue({ code: 'custom', message: `${template.key}: \${metadata.${path}} is not kept from the token response, the callback or postConnect` });
    }
    if (template.verify?.path !== undefined && !template.apiBaseUrl) {
      ctx.addIssue({ code: 'custom', message: `${template.key}: verify.path needs an apiBaseUrl (or give verify.url)` });
    }
    if (template.authType === 'OAUTH2' && !template.issuer && !(template.authorizationUrl && template.tokenUrl)) {
      ctx.addIssue({ code: 'custom', message: `${template.key}: an OAuth 2.0 provider needs an issuer or authorization and token URLs` });
    }
  });

export type ProviderTemplate = z.output<typeof providerTemplateSchema>;
