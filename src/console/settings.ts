// The console: how long a sign-in lasts, and when expired sessions are deleted.
import { defineSettings, integer, setting, type SettingsOf } from '../kernel/settings.js';

export const consoleSettings = defineSettings(
  'Console',
  {
    CONSOLE_SESSION_TTL_SECONDS: setting(integer({ min: 60, max: 30 * 86_400, default: 28_800 }), "how long a console sign-in lasts (the cookie's lifetime)"),
    CONSOLE_SESSION_CLEANUP_INTERVAL_SECONDS: setting(
      integer({ min: 0, default: 3600 }),
      'how often the job `console-session-cleanup` deletes expired console sessions (0 turns it off)',
    ),
  },
  (values) => ({
    sessionTtlSeconds: values.CONSOLE_SESSION_TTL_SECONDS,
    cleanupIntervalSeconds: values.CONSOLE_SESSION_CLEANUP_INTERVAL_SECONDS,
  }),
);
export type ConsoleSettings = SettingsOf<typeof consoleSettings>;
