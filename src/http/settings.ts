// The server's own settings: where it listens, the URL it is reached at, who may call it from a
// browser, and how it stops.
import { z } from 'zod';
import { commaList, defineSettings, integer, optionalUrl, setting } from '../kernel/settings.js';

export const serverSettings = defineSettings(
  'Server',
  {
    NODE_ENV: setting(
      z.enum(['development', 'production', 'test']).default('development'),
      '`production` refuses to start without authentication, `ENCRYPTION_KEYS` and `PUBLIC_URL`, and turns GraphiQL off',
    ),
    PORT: setting(integer({ min: 0, max: 65535, default: 4000 }), 'the port to listen on'),
    HOST: setting(z.string().min(1).optional(), 'the address to listen on', {
      shownDefault: '`0.0.0.0` (`127.0.0.1` when no authentication is configured)',
      example: '0.0.0.0',
    }),
    PUBLIC_URL: setting(
      optionalUrl(['https', 'http'], { path: true }),
      'the URL browsers and providers reach this server at; the OAuth callback is `PUBLIC_URL/oauth2/callback`',
      {
        shownDefault: '`http://localhost:PORT`',
        example: 'https://switchboard.example.com',
      },
    ),
    CORS_ORIGINS: setting(commaList, 'origins whose pages may call `/graphql` and the path proxy (exact match, preflight included; no wildcard)', {
      shownDefault: "`PUBLIC_URL`'s origin and `ALLOWED_REDIRECT_ORIGINS`",
      example: 'https://app.example.com',
    }),
    TRUSTED_PROXIES: setting(
      commaList,
      'addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` gives the client address (audit trail); from any other peer it is ignored',
      { example: '10.0.0.0/8' },
    ),
    SHUTDOWN_DRAIN_MS: setting(
      integer({ min: 0, max: 600_000, default: 10_000 }),
      'on SIGTERM/SIGINT, how long requests in flight may take to finish before their sockets are closed',
    ),
  },
  (values) => ({
    port: values.PORT,
    /** Unset: decided with the authentication settings (src/config.ts). */
    host: values.HOST,
    corsOrigins: values.CORS_ORIGINS,
    shutdownDrainMs: values.SHUTDOWN_DRAIN_MS,
    trustedProxies: values.TRUSTED_PROXIES,
  }),
);
