// Credential checks: their time limit, and the scheduled health checks.
import { defineSettings, integer, setting, type SettingsOf } from '../kernel/settings.js';

export const healthSettings = defineSettings(
  'Credential checks',
  {
    VERIFY_TIMEOUT_MS: setting(integer({ min: 100, max: 120_000, default: 10_000 }), "a credential check's time limit"),
    HEALTH_CHECK_INTERVAL_SECONDS: setting(
      integer({ min: 0, default: 0 }),
      're-verify connections neither used nor verified within this interval (job `health-checks`, a few sweeps per interval; 0 turns it off)',
    ),
    HEALTH_CHECK_BATCH_SIZE: setting(integer({ min: 1, max: 1000, default: 20 }), 'connections checked per sweep'),
  },
  (values) => ({
    verifyTimeoutMs: values.VERIFY_TIMEOUT_MS,
    intervalSeconds: values.HEALTH_CHECK_INTERVAL_SECONDS,
    batchSize: values.HEALTH_CHECK_BATCH_SIZE,
  }),
);
export type HealthSettings = SettingsOf<typeof healthSettings>;
