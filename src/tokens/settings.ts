// The token lifecycle: the background refresher's pace, and how refreshing behaves under faults.
import { decimal, defineSettings, integer, setting, type SettingsOf } from '../kernel/settings.js';

export const tokenSettings = defineSettings(
  'Tokens',
  {
    REFRESH_INTERVAL_SECONDS: setting(
      integer({ min: 0, default: 60 }),
      'the background refresh sweep (job `refresh-sweep`): how often it looks for tokens about to expire (0 turns it off)',
    ),
    REFRESH_LOOKAHEAD_SECONDS: setting(integer({ min: 0, default: 600 }), 'how far ahead of expiry the sweep refreshes a token'),
    REFRESH_CONCURRENCY: setting(
      integer({ min: 1, max: 1000, default: 16 }),
      "refreshes the sweep runs at once per instance (each also needs one of its token endpoint's slots, REFRESH_TOKEN_ENDPOINT_CONCURRENCY; one worker refreshes at most 1 s ÷ the endpoint's answer time per second: 16 at 50 ms give 320/s)",
    ),
    REFRESH_TOKEN_ENDPOINT_CONCURRENCY: setting(
      integer({ min: 1, max: 1000, default: 32 }),
      "token requests in flight per integration (its token endpoint), across all instances with Redis (else per instance): the sweep's, breaker probes' and callers' refreshes alike; one that finds every slot taken waits (a caller up to 5 s, the sweep until its claim's start window ends, then the next sweep asks again). 32 lets two instances' sweeps at the default REFRESH_CONCURRENCY run at full speed, and holds a provider at 32 however many instances run",
    ),
    REFRESH_BATCH_SIZE: setting(integer({ min: 1, max: 10_000, default: 100 }), 'connections the sweep claims per batch'),
    REFRESH_BACKOFF_BASE_SECONDS: setting(decimal({ min: 0.01, default: 30 }), 'cooldown after a transient refresh failure: base × 2^(failures − 1), ±20 %'),
    REFRESH_BACKOFF_MAX_SECONDS: setting(decimal({ min: 0.01, default: 1800 }), 'the longest cooldown'),
    REFRESH_MANUAL_RETRY_SECONDS: setting(decimal({ min: 0, default: 5 }), '`refreshConnection` may skip the cooldown once per connection per this interval'),
    REFRESH_BREAKER_THRESHOLD: setting(
      integer({ min: 1, default: 5 }),
      "consecutive transient failures of an integration's token endpoint after which it is probed one request at a time",
    ),
    REFRESH_BREAKER_PROBE_INTERVAL_MS: setting(
      integer({ min: 0, default: 1000 }),
      'with Redis: after a failed probe, the next probe of the open breaker waits this long, across all instances together, and the job `breaker-probe` sends it when the wait ends (so the deployment probes once per interval however many instances run); 0 turns off the wait and the job',
    ),
  },
  (values) => ({
    intervalSeconds: values.REFRESH_INTERVAL_SECONDS,
    lookaheadSeconds: values.REFRESH_LOOKAHEAD_SECONDS,
    concurrency: values.REFRESH_CONCURRENCY,
    tokenEndpointConcurrency: values.REFRESH_TOKEN_ENDPOINT_CONCURRENCY,
    batchSize: values.REFRESH_BATCH_SIZE,
    backoffBaseMs: values.REFRESH_BACKOFF_BASE_SECONDS * 1000,
    backoffMaxMs: values.REFRESH_BACKOFF_MAX_SECONDS * 1000,
    manualRetryMs: values.REFRESH_MANUAL_RETRY_SECONDS * 1000,
    breakerThreshold: values.REFRESH_BREAKER_THRESHOLD,
    breakerProbeIntervalMs: values.REFRESH_BREAKER_PROBE_INTERVAL_MS,
  }),
);
export type TokenSettings = SettingsOf<typeof tokenSettings>;
