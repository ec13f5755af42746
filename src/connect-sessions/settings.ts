// Connect sessions: how long their tokens live, and when expired ones are deleted.
import { defineSettings, integer, setting, type SettingsOf } from '../kernel/settings.js';

export const connectSessionSettings = defineSettings(
  'Connect sessions',
  {
    CONNECT_SESSION_TTL_SECONDS: setting(integer({ min: 1, default: 1800 }), "a connect session's default lifetime"),
    CONNECT_SESSION_MAX_TTL_SECONDS: setting(
      integer({ min: 1, default: 86_400 }),
      "a connect session's largest lifetime (`createConnectSession`'s `expiresInSeconds`)",
    ),
    MAX_CONNECT_SESSIONS_PER_USER: setting(
      integer({ min: 1, default: 20 }),
      'live connect sessions per end user (not expired, revoked or used; `QuotaExceededError` beyond)',
    ),
    CONNECT_SESSION_CLEANUP_INTERVAL_SECONDS: setting(
      integer({ min: 0, default: 300 }),
      'how often the job `connect-session-cleanup` deletes expired connect sessions (0 turns it off)',
    ),
  },
  (values, _context, problems) => {
    if (values.CONNECT_SESSION_TTL_SECONDS > values.CONNECT_SESSION_MAX_TTL_SECONDS) {
      problems.push('CONNECT_SESSION_TTL_SECONDS must not exceed CONNECT_SESSION_MAX_TTL_SECONDS.');
    }
    return {
      ttlSeconds: values.CONNECT_SESSION_TTL_SECONDS,
      maxTtlSeconds: values.CONNECT_SESSION_MAX_TTL_SECONDS,
      maxSessionsPerUser: values.MAX_CONNECT_SESSIONS_PER_USER,
      cleanupIntervalSeconds: values.CONNECT_SESSION_CLEANUP_INTERVAL_SECONDS,
    };
  },
);
export type ConnectSessionSettings = SettingsOf<typeof connectSessionSettings>;
