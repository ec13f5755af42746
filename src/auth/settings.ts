// Authentication: JWTs (a secret or a JWKS URL) and server-to-server API keys.
import { z } from 'zod';
import { commaList, defineSettings, integer, optionalUrl, setting, type SettingsOf } from '../kernel/settings.js';

export const authSettings = defineSettings(
  'Authentication',
  {
    JWT_SECRET: setting(z.string().optional(), 'an HS256 secret (32+ characters) that verifies `Authorization: Bearer <JWT>`; `sub` is the user id'),
    JWT_JWKS_URL: setting(optionalUrl(['https', 'http'], { path: true, query: true }), 'or a JWKS URL for asymmetric JWTs (exclusive with `JWT_SECRET`)', {
      example: 'https://id.example.com/.well-known/jwks.json',
    }),
    JWT_ISSUER: setting(z.string().optional(), "the JWT's `iss`, checked when set", { example: 'https://id.example.com/' }),
    JWT_AUDIENCE: setting(z.string().optional(), "the JWT's `aud`, checked when set", { example: 'switchboard' }),
    JWT_ADMIN_CLAIM: setting(z.string().default('switchboard_admin'), 'a claim that makes an admin when `true`, `"admin"`, or an array containing `"admin"`'),
    JWT_CLOCK_TOLERANCE_SECONDS: setting(integer({ min: 0, max: 300, default: 30 }), "leeway for a JWT's `exp`/`nbf`; a JWT without `exp` is refused"),
    API_KEYS: setting(
      commaList,
      'server-to-server keys (`X-Api-Key`, 24+ characters each), which are admins; with `X-User-Id: <id>` the request acts as that user',
    ),
    API_KEY_CACHE_TTL_MS: setting(
      integer({ min: 0, max: 1000, default: 500 }),
      'how long an instance trusts what it read about a database API key (`sbk_…`); a revoked or expired key is refused on every instance within this time',
    ),
  },
  (values, context, problems) => {
    if (values.JWT_SECRET && values.JWT_JWKS_URL) problems.push('JWT_SECRET and JWT_JWKS_URL are exclusive: set one.');
    if (values.JWT_SECRET && values.JWT_SECRET.length < 32) problems.push('JWT_SECRET must be at least 32 characters.');
    if (values.API_KEYS.some((key) => key.length < 24)) problems.push('Every key in API_KEYS must be at least 24 characters.');
    const configured = Boolean(values.JWT_SECRET || values.JWT_JWKS_URL || values.API_KEYS.length);
    if (context.isProduction && !configured) problems.push('Production needs authentication: set JWT_SECRET, JWT_JWKS_URL or API_KEYS.');
    return {
      jwtSecret: values.JWT_SECRET,
      jwksUrl: values.JWT_JWKS_URL,
      issuer: values.JWT_ISSUER,
      audience: values.JWT_AUDIENCE,
      adminClaim: values.JWT_ADMIN_CLAIM,
      apiKeys: values.API_KEYS,
      /** No auth configured outside production: requests without credentials act as admin `dev`. */
      devMode: !context.isProduction && !configured,
      clockToleranceSeconds: values.JWT_CLOCK_TOLERANCE_SECONDS as number | undefined,
      apiKeyCacheTtlMs: values.API_KEY_CACHE_TTL_MS as number,
    };
  },
);
export type AuthSettings = SettingsOf<typeof authSettings>;
