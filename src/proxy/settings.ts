// The proxy (proxyRequest and the path proxy): time and size limits, the per-viewer rate limit, and
// the provider-aware rate limits learned from providers' headers.
import { defineSettings, flag, integer, decimal, setting, type SettingsOf } from '../kernel/settings.js';

export const proxySettings = defineSettings(
  'Proxy',
  {
    PROXY_TIMEOUT_MS: setting(integer({ min: 100, max: 600_000, default: 30_000 }), 'per proxied attempt, until the end of the answer'),
    PROXY_MAX_REQUEST_BYTES: setting(integer({ min: 1, default: 10 * 1024 * 1024 }), 'the largest proxied request body'),
    PROXY_MAX_RESPONSE_BYTES: setting(
      integer({ min: 1, default: 10 * 1024 * 1024 }),
      'the largest answer `proxyRequest` returns, counted decoded (the path proxy streams answers without a cap)',
    ),
    PROXY_MAX_RETRY_AFTER_SECONDS: setting(
      integer({ min: 0, max: 300, default: 10 }),
      'a 429/503 asking to wait longer is reported (`RateLimitedError`) instead of waited out',
    ),
    PROXY_RATE_LIMIT_PER_SECOND: setting(decimal({ min: 0, default: 100 }), 'proxied requests per viewer per second, sustained (0 turns the limit off)'),
    PROXY_RATE_LIMIT_BURST: setting(integer({ min: 1, default: 200 }), 'proxied requests per viewer in a burst'),
    PROXY_RATE_LIMIT_MAX_VIEWERS: setting(
      integer({ min: 100, default: 100_000 }),
      'viewers whose rate limit is tracked at once (the least recently seen are forgotten first)',
    ),
    PROXY_PROVIDER_LIMITS: setting(
      flag(true),
      "count each connection's calls down from what the provider's rate-limit headers say is left, and stop at zero until its window resets (`false` turns it off)",
    ),
    PROXY_PROVIDER_LIMIT_RESERVE: setting(
      integer({ min: 0, default: 0 }),
      'calls kept back from what the provider reports left (for other clients of the same account)',
    ),
    PROXY_PROVIDER_LIMIT_MAX_WAIT_MS: setting(
      integer({ min: 0, max: 60_000, default: 1000 }),
      'an exhausted connection whose window resets within this is waited for; a longer wait is a `RateLimitedError`',
    ),
    PROXY_PROVIDER_LIMIT_TRACK_BELOW: setting(integer({ min: 1, default: 100 }), 'a connection is tracked once the provider reports this few calls left'),
    PROXY_PROVIDER_LIMIT_MAX_CONNECTIONS: setting(
      integer({ min: 100, default: 100_000 }),
      'connections tracked at once (the expired first, then the least recently used)',
    ),
  },
  (values) => ({
    timeoutMs: values.PROXY_TIMEOUT_MS,
    maxRequestBytes: values.PROXY_MAX_REQUEST_BYTES,
    maxResponseBytes: values.PROXY_MAX_RESPONSE_BYTES,
    maxRetryAfterSeconds: values.PROXY_MAX_RETRY_AFTER_SECONDS,
    rateLimitPerSecond: values.PROXY_RATE_LIMIT_PER_SECOND,
    rateLimitBurst: values.PROXY_RATE_LIMIT_BURST,
    rateLimitMaxViewers: values.PROXY_RATE_LIMIT_MAX_VIEWERS,
    providerLimits: {
      enabled: values.PROXY_PROVIDER_LIMITS,
      reserve: values.PROXY_PROVIDER_LIMIT_RESERVE,
      maxWaitMs: values.PROXY_PROVIDER_LIMIT_MAX_WAIT_MS,
      trackBelow: values.PROXY_PROVIDER_LIMIT_TRACK_BELOW,
      maxConnections: values.PROXY_PROVIDER_LIMIT_MAX_CONNECTIONS,
    },
  }),
);
export type ProxySettings = SettingsOf<typeof proxySettings>;
