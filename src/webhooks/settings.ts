// Webhooks: retries, timeouts, secrets, the delivery worker's pace and concurrency, retention.
import { z } from 'zod';
import { decimal, defineSettings, flag, integer, optionalUrl, setting, type SettingsOf } from '../kernel/settings.js';

export const webhookSettings = defineSettings(
  'Webhooks',
  {
    WEBHOOK_RETRY_SCHEDULE: setting(
      z
        .string()
        .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, 'seconds between attempts, comma-separated, e.g. 5,300,1800')
        .default('5,300,1800,7200,18000,36000,36000')
        .transform((value) => value.split(',').map((item) => Number(item.trim()))),
      'seconds before each retry (±10 % jitter); attempts in all: the count + 1',
    ),
    WEBHOOK_PROBE_INTERVAL_MS: setting(
      integer({ min: 100, default: 5000 }),
      "while an endpoint fails, its oldest pending message is sent this often as a probe (not counted as one of the message's attempts); the probe's success makes the endpoint's pending messages due at once, oldest first",
    ),
    WEBHOOK_TIMEOUT_MS: setting(integer({ min: 100, max: 120_000, default: 15_000 }), 'per delivery attempt, until the end of the answer'),
    WEBHOOK_SECRET_GRACE_SECONDS: setting(
      integer({ min: 0, default: 86_400 }),
      'after a rotation, the previous secret keeps signing beside the new one this long',
    ),
    WEBHOOK_LOG_RETENTION_DAYS: setting(decimal({ min: 0, default: 30 }), 'finished deliveries older than this are deleted (0 keeps them)'),
    WEBHOOK_LOG_RETENTION_INTERVAL_SECONDS: setting(
      integer({ min: 0, default: 600 }),
      'how often the job `webhook-log-retention` deletes old deliveries, in batches (0 turns it off)',
    ),
    WEBHOOK_ALLOW_PRIVATE: setting(
      flag(false),
      'allow endpoints on private and loopback addresses, over http too (apps on an internal network); allowed in production',
    ),
    WEBHOOK_POLL_INTERVAL_MS: setting(
      integer({ min: 0, default: 1000 }),
      'the delivery worker (job `webhook-delivery`): how often this instance looks for due deliveries besides the nudges of new changes (0: this instance delivers none)',
    ),
    WEBHOOK_CONCURRENCY: setting(integer({ min: 1, max: 1000, default: 128 }), 'attempts in flight per instance'),
    WEBHOOK_ENDPOINT_CONCURRENCY: setting(
      integer({ min: 1, max: 100, default: 16 }),
      "attempts in flight per endpoint, across all instances with Redis (else per instance; one endpoint's rate is at most its slots ÷ its answer time: 16 slots at 100 ms give 160/s)",
    ),
    WEBHOOK_PREFETCH: setting(
      integer({ min: 0, max: 1000, default: 32 }),
      'deliveries an instance claims beyond its free slots (in all, and per endpoint), started as slots free up without another claim',
    ),
    WEBHOOK_DISABLE_AFTER_DAYS: setting(decimal({ min: 0, default: 5 }), 'an endpoint whose attempts have all failed this long is disabled (0: never)'),
  },
  (values) => ({
    retrySchedule: values.WEBHOOK_RETRY_SCHEDULE,
    probeIntervalMs: values.WEBHOOK_PROBE_INTERVAL_MS,
    timeoutMs: values.WEBHOOK_TIMEOUT_MS,
    secretGraceSeconds: values.WEBHOOK_SECRET_GRACE_SECONDS,
    logRetentionDays: values.WEBHOOK_LOG_RETENTION_DAYS,
    logRetentionIntervalSeconds: values.WEBHOOK_LOG_RETENTION_INTERVAL_SECONDS,
    allowPrivate: values.WEBHOOK_ALLOW_PRIVATE,
    pollIntervalMs: values.WEBHOOK_POLL_INTERVAL_MS,
    concurrency: values.WEBHOOK_CONCURRENCY,
    endpointConcurrency: values.WEBHOOK_ENDPOINT_CONCURRENCY,
    prefetch: values.WEBHOOK_PREFETCH,
    disableAfterDays: values.WEBHOOK_DISABLE_AFTER_DAYS,
  }),
);
export type WebhookSettings = SettingsOf<typeof webhookSettings>;

// Provider webhooks (webhooks providers send to Switchboard): the inbound URL, the body limit, and the
// forwarding job's pace. Retention follows WEBHOOK_LOG_RETENTION_DAYS.
export const providerWebhookSettings = defineSettings(
  'Provider webhooks',
  {
    PROVIDER_WEBHOOK_BASE_URL: setting(
      optionalUrl(['https', 'http'], { path: true }),
      'where providers reach the inbound route, when another host than PUBLIC_URL: an integration receives at `PROVIDER_WEBHOOK_BASE_URL/webhooks/providers/{slug}`',
      { shownDefault: '`PUBLIC_URL`', example: 'https://hooks.example.com' },
    ),
    PROVIDER_WEBHOOK_MAX_BODY_BYTES: setting(
      integer({ min: 1024, max: 64 * 1024 * 1024, default: 1_048_576 }),
      'the largest webhook body a provider may send (a larger one gets 413, nothing kept)',
    ),
    PROVIDER_WEBHOOK_POLL_INTERVAL_MS: setting(
      integer({ min: 0, default: 1000 }),
      'the job `provider-webhook-forwarding`: how often this instance looks for received webhooks to match and forward, besides the nudge of each one it receives (0: this instance forwards none)',
    ),
    PROVIDER_WEBHOOK_BATCH: setting(
      integer({ min: 1, max: 100, default: 100 }),
      'received webhooks one forwarding round claims, matches and forwards together, in one statement (at most 100: on the embedded database an acknowledgement arriving during a round waits for it)',
    ),
  },
  (values, context) => ({
    baseUrl: (values.PROVIDER_WEBHOOK_BASE_URL ?? context.publicUrl).replace(/\/+$/, ''),
    maxBodyBytes: values.PROVIDER_WEBHOOK_MAX_BODY_BYTES,
    pollIntervalMs: values.PROVIDER_WEBHOOK_POLL_INTERVAL_MS,
    batch: values.PROVIDER_WEBHOOK_BATCH,
  }),
);
export type ProviderWebhookSettings = SettingsOf<typeof providerWebhookSettings>;
