// Structured logs (pino), one logger per app. Secrets are kept out at the source: errors go under
// `err` and are written by name, message and code only (never a cause or a response, which may carry
// tokens); the redaction list is the second line of defence for fields that carry secrets by name.
import { createRequire } from 'node:module';
import { pino, type DestinationStream } from 'pino';
import { z } from 'zod';
import { defineSettings, optionalText, setting, type SettingsOf } from './settings.js';

export type Logger = pino.Logger;

export const logSettings = defineSettings(
  'Logs',
  {
    LOG_LEVEL: setting(
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      'fatal, error, warn, info, debug, trace or silent; secrets are never logged',
    ),
    LOG_FILE: setting(optionalText, 'write logs to this file instead of standard output', {
      shownDefault: 'standard output',
      example: './data/switchboard.log',
    }),
    LOG_FORMAT: setting(z.enum(['json', 'pretty', '']).optional(), '`pretty` (readable lines, pino-pretty) or `json` (one object per line)', {
      shownDefault: '`pretty` in development on a terminal, else `json`',
    }),
  },
  (values, context) => ({
    level: values.LOG_LEVEL as string,
    file: values.LOG_FILE,
    format: (values.LOG_FORMAT || (context.env === 'development' && !values.LOG_FILE && process.stdout.isTTY ? 'pretty' : 'json')) as 'json' | 'pretty',
  }),
);
export type LogSettings = SettingsOf<typeof logSettings>;

const SECRET_KEYS = [
  'authorization',
  'cookie',
  'x-api-key',
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'id_token',
  'idToken',
  'client_secret',
  'clientSecret',
  'code',
  'code_verifier',
  'codeVerifier',
  'state',
  'apiKey',
  'password',
  'token',
];

/** An error as the logs show it: its name, message and (a short, plain) code; nothing it carries. */
export function serializeError(error: unknown): { name: string; message: string; code?: string } {
  if (!(error instanceof Error)) return { name: typeof error, message: typeof error === 'string' ? error : 'a value that is not an Error' };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === 'string' && /^[\w.-]{1,64}$/.test(code) ? { errorCode: code } : {}) };
}

export function createLogger(settings: LogSettings, options: { base?: Record<string, unknown> } = {}): Logger {
  return pino(
    {
      level: settings.level,
      base: { service: 'switchboard', ...options.base },
      serializers: { err: serializeError },
      redact: {
        paths: [...SECRET_KEYS, ...SECRET_KEYS.map((key) => `*.${key}`), ...SECRET_KEYS.map((key) => `*.*.${key}`)],
        censor: '[redacted]',
      },
    },
    destination(settings),
  );
}

/**
 * JSON lines to the log file or standard output; in development on a terminal, readable lines through
 * pino-pretty (loaded only then, synchronously, so nothing is lost at exit).
 */
function destination(settings: LogSettings): DestinationStream {
  if (settings.format === 'pretty' && !settings.file) {
    const pretty = createRequire(import.meta.url)('pino-pretty') as (options: object) => DestinationStream;
    return pretty({ sync: true, colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
  }
  return pino.destination({ dest: settings.file ?? 1, sync: Boolean(settings.file), mkdir: true });
}

/** A logger that writes nothing (tools and tests that need one). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
