// Configuration: the settings slices of every capability, read from the environment once, in
// src/main.ts (and by tools), and handed down: no module reads a setting itself. A value that is
// wrong, or that cannot go with another, stops the start with a message naming it.
import { activitySettings } from './activity/settings.js';
import { authSettings } from './auth/settings.js';
import { connectSessionSettings } from './connect-sessions/settings.js';
import { consoleSettings } from './console/settings.js';
import { cryptoSettings } from './crypto/settings.js';
import { databaseSettings } from './db/settings.js';
import { graphqlSettings } from './graphql/settings.js';
import { healthSettings } from './health/settings.js';
import { serverSettings } from './http/settings.js';
import { logSettings } from './kernel/log.js';
import { originsOf, type SettingsContext, type SettingsOf, type SettingsSlice, type Variables } from './kernel/settings.js';
import { mcpSettings } from './mcp/settings.js';
import { metricsSettings } from './metrics/settings.js';
import { oauthSettings } from './oauth/settings.js';
import { providerSettings } from './provider/settings.js';
import { proxySettings } from './proxy/settings.js';
import { realtimeSettings } from './realtime/settings.js';
import { sandboxSettings } from './sandbox/settings.js';
import { telemetrySettings } from './telemetry/settings.js';
import { tokenSettings } from './tokens/settings.js';
import { providerWebhookSettings, webhookSettings } from './webhooks/settings.js';

/** Every slice, in the order the docs' table and .env.example list them. */
export const SETTINGS = {
  server: serverSettings,
  log: logSettings,
  database: databaseSettings,
  realtime: realtimeSettings,
  crypto: cryptoSettings,
  auth: authSettings,
  oauth: oauthSettings,
  providers: providerSettings,
  connectSessions: connectSessionSettings,
  sandbox: sandboxSettings,
  proxy: proxySettings,
  tokens: tokenSettings,
  graphql: graphqlSettings,
  activity: activitySettings,
  health: healthSettings,
  webhooks: webhookSettings,
  providerWebhooks: providerWebhookSettings,
  mcp: mcpSettings,
  metrics: metricsSettings,
  console: consoleSettings,
  telemetry: telemetrySettings,
} as const;

type Slices = typeof SETTINGS;

export type Config = {
  env: SettingsContext['env'];
  isProduction: boolean;
  /** PUBLIC_URL (no trailing slash): the callbacks, the connect page and the sandbox are built from it. */
  publicUrl: string;
  /** HOST was not set and the server has no authentication: it listens on loopback only. */
  loopbackOnly: boolean;
} & { [Name in keyof Slices]: SettingsOf<Slices[Name]> } & {
  server: { host: string };
};

/** Every setting read from the environment (the docs' table and .env.example list each one). */
export const settingNames: readonly string[] = Object.values(SETTINGS).flatMap((slice) => Object.keys(slice.variables));

export type Environment = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(environment: Environment = process.env): Config {
  const problems: string[] = [];
  // Each slice's variables, checked with their schemas; every problem is named, not only the first.
  const values = new Map<SettingsSlice, Record<string, unknown>>();
  for (const slice of Object.values(SETTINGS) as SettingsSlice<Variables>[]) {
    const read: Record<string, unknown> = {};
    for (const [name, entry] of Object.entries(slice.variables)) {
      const parsed = entry.schema.safeParse(environment[name]);
      if (parsed.success) read[name] = parsed.data;
      else problems.push(`${name}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
    }
    values.set(slice, read);
  }
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);

  const server = values.get(serverSettings as SettingsSlice)! as { NODE_ENV: SettingsContext['env']; PORT: number; PUBLIC_URL?: string };
  const env = server.NODE_ENV;
  const isProduction = env === 'production';
  const publicUrl = (server.PUBLIC_URL ?? `http://localhost:${server.PORT}`).replace(/\/+$/, '');
  if (isProduction && !server.PUBLIC_URL) problems.push('Production needs PUBLIC_URL (the OAuth callback is built from it).');
  const context: SettingsContext = { env, isProduction, publicUrl };
  const read = Object.fromEntries(
    Object.entries(SETTINGS).map(([name, slice]) => [
      name,
      (slice as SettingsSlice<Variables>).read(values.get(slice as SettingsSlice)! as never, context, problems),
    ]),
  ) as { [Name in keyof Slices]: SettingsOf<Slices[Name]> };

  // Values that depend on more than one slice.
  if (isProduction && !read.crypto.encryptionKeys) problems.push('Production needs ENCRYPTION_KEYS (kid:base64key, comma-separated).');
  const corsOrigins = originsOf('CORS_ORIGINS', read.server.corsOrigins, problems);
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  // Without authentication every request is the admin "dev": only this machine may reach it, unless HOST says otherwise.
  const loopbackOnly = read.auth.devMode && read.server.host === undefined;
  return {
    env,
    isProduction,
    publicUrl,
    loopbackOnly,
    ...read,
    server: {
      ...read.server,
      host: read.server.host ?? (loopbackOnly ? '127.0.0.1' : '0.0.0.0'),
      corsOrigins: corsOrigins.length ? corsOrigins : [...new Set([new URL(publicUrl).origin, ...read.oauth.allowedRedirectOrigins])],
    },
  };
}
