// The built-in sandbox provider: development only.
import { defineSettings, optionalFlag, setting } from '../kernel/settings.js';

export const sandboxSettings = defineSettings(
  'Sandbox',
  {
    SANDBOX_ENABLED: setting(optionalFlag, 'the built-in sandbox provider under `PUBLIC_URL/sandbox` (refused in production: it signs in anyone)', {
      shownDefault: '`true` outside production',
    }),
  },
  (values, context, problems) => {
    if (context.isProduction && values.SANDBOX_ENABLED) problems.push('SANDBOX_ENABLED is for development only: the sandbox provider signs in anyone.');
    // On by default outside production; SANDBOX_ENABLED=false turns it off.
    return { enabled: values.SANDBOX_ENABLED ?? !context.isProduction };
  },
);
