// The browser flows: where they may send the browser back to, and how many may be in progress.
import { commaList, defineSettings, integer, originsOf, setting, type SettingsOf } from '../kernel/settings.js';

export const oauthSettings = defineSettings(
  'Connect flows',
  {
    ALLOWED_REDIRECT_ORIGINS: setting(commaList, 'where the connect flow may send the browser back to (exact origins)', {
      shownDefault: "`PUBLIC_URL`'s origin",
      example: 'https://app.example.com,http://localhost:3000',
    }),
    MAX_PENDING_AUTHORIZATIONS_PER_USER: setting(integer({ min: 1, default: 50 }), 'connect flows in progress per user (`QuotaExceededError` beyond)'),
    PENDING_AUTHORIZATION_CLEANUP_INTERVAL_SECONDS: setting(
      integer({ min: 0, default: 60 }),
      'how often the job `pending-authorization-cleanup` deletes connect flows that expired (0 turns it off)',
    ),
  },
  (values, context, problems) => {
    const origins = originsOf('ALLOWED_REDIRECT_ORIGINS', values.ALLOWED_REDIRECT_ORIGINS, problems);
    return {
      allowedRedirectOrigins: origins.length ? origins : [new URL(context.publicUrl).origin],
      maxPendingAuthorizationsPerUser: values.MAX_PENDING_AUTHORIZATIONS_PER_USER,
      cleanupIntervalSeconds: values.PENDING_AUTHORIZATION_CLEANUP_INTERVAL_SECONDS,
    };
  },
);
export type OAuthSettings = SettingsOf<typeof oauthSettings>;
