// Talking to providers' authorization servers: where their endpoints may be, how long they may take,
// and integrations configured as code.
import { z } from 'zod';
import { defineSettings, flag, integer, setting, type SettingsOf } from '../kernel/settings.js';

export const providerSettings = defineSettings(
  'Providers',
  {
    ALLOW_LOCAL_PROVIDERS: setting(flag(false), 'allow http and loopback/private provider endpoints (development and tests; refused in production)'),
    INTEGRATIONS_FILE: setting(
      z.string().optional(),
      'JSON or YAML list of integrations, upserted by slug at start; `${NAME}` is replaced by the environment variable `NAME`',
      {
        example: './integrations.yaml',
      },
    ),
    PROVIDER_TIMEOUT_MS: setting(
      integer({ min: 100, max: 600_000, default: 15_000 }),
      'token, discovery and revocation requests; a hanging provider ends as a transient failure',
    ),
    PROVIDER_ROTATING_TIMEOUT_MS: setting(
      integer({ min: 100, max: 600_000, default: 60_000 }),
      'token requests to providers that rotate refresh tokens (an answer cut off would lose the grant)',
    ),
  },
  (values, context, problems) => {
    if (context.isProduction && values.ALLOW_LOCAL_PROVIDERS) problems.push('ALLOW_LOCAL_PROVIDERS is for development and tests only.');
    return {
      allowLocalProviders: values.ALLOW_LOCAL_PROVIDERS,
      integrationsFile: values.INTEGRATIONS_FILE,
      timeoutMs: values.PROVIDER_TIMEOUT_MS,
      rotatingTimeoutMs: values.PROVIDER_ROTATING_TIMEOUT_MS,
    };
  },
);
export type ProviderSettings = SettingsOf<typeof providerSettings>;
