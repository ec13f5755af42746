// The activity log: what is recorded, how the buffer is written, and how long operations are kept.
import { z } from 'zod';
import { decimal, defineSettings, integer, setting, type SettingsOf } from '../kernel/settings.js';

export const activitySettings = defineSettings(
  'Activity log',
  {
    ACTIVITY_LOG: setting(z.enum(['on', 'off']).default('on'), 'record operations (the activity log); `off` records nothing and leaves `lastUsedAt` alone'),
    // Each INSERT has a fixed cost (on the embedded database about a millisecond of its thread, however
    // few rows): at the proxy's 100 stored successes a second, one statement a second instead of ten.
    ACTIVITY_FLUSH_INTERVAL_MS: setting(integer({ min: 10, max: 60_000, default: 1000 }), 'the in-memory buffer is written this often (one multi-row INSERT)'),
    ACTIVITY_FLUSH_ROWS: setting(integer({ min: 1, max: 10_000, default: 500 }), '… or as soon as it holds this many rows'),
    ACTIVITY_BUFFER_MAX: setting(
      integer({ min: 1, default: 20_000 }),
      'rows waiting beyond this are dropped and counted, with a warning, rather than slowing requests',
    ),
    ACTIVITY_PROXY_SUCCESS_SAMPLE_RATE: setting(
      decimal({ min: 0, max: 1, default: 1 }),
      'share of successful proxied calls recorded (0..1); failures are always recorded',
    ),
    ACTIVITY_PROXY_SUCCESSES_PER_SECOND: setting(
      integer({ min: 0, default: 100 }),
      'at most this many successful proxied calls stored per second and instance (`0`: no cap); failures are always stored, and the metrics count every call',
    ),
    ACTIVITY_LAST_USED_INTERVAL_SECONDS: setting(
      integer({ min: 0, max: 3600, default: 60 }),
      "a connection's `lastUsedAt` is written at most this often per connection and instance (`0`: with every flush); a busy connection's flushes then skip that UPDATE",
    ),
    OPERATIONS_RETENTION_DAYS: setting(decimal({ min: 0, default: 14 }), 'operations older than this are deleted (0 keeps them)'),
    OPERATIONS_RETENTION_INTERVAL_SECONDS: setting(
      integer({ min: 0, default: 600 }),
      'how often the job `operations-retention` deletes old operations, in batches (0 turns it off)',
    ),
    AUDIT_RETENTION_DAYS: setting(decimal({ min: 0, default: 365 }), 'audit events older than this are deleted by the job `audit-retention` (0 keeps them)'),
    AUDIT_RETENTION_INTERVAL_SECONDS: setting(
      integer({ min: 0, default: 3600 }),
      'how often the job `audit-retention` deletes old audit events, in batches (0 turns it off)',
    ),
  },
  (values) => ({
    enabled: values.ACTIVITY_LOG === 'on',
    flushIntervalMs: values.ACTIVITY_FLUSH_INTERVAL_MS,
    flushRows: values.ACTIVITY_FLUSH_ROWS,
    bufferMax: values.ACTIVITY_BUFFER_MAX,
    proxySuccessSampleRate: values.ACTIVITY_PROXY_SUCCESS_SAMPLE_RATE,
    proxySuccessesPerSecond: values.ACTIVITY_PROXY_SUCCESSES_PER_SECOND,
    lastUsedIntervalMs: values.ACTIVITY_LAST_USED_INTERVAL_SECONDS * 1000,
    retentionDays: values.OPERATIONS_RETENTION_DAYS,
    retentionIntervalSeconds: values.OPERATIONS_RETENTION_INTERVAL_SECONDS,
    auditRetentionDays: values.AUDIT_RETENTION_DAYS,
    auditRetentionIntervalSeconds: values.AUDIT_RETENTION_INTERVAL_SECONDS,
  }),
);
export type ActivitySettings = SettingsOf<typeof activitySettings>;
