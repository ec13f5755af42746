// Structured logs. Secrets are kept out at the source (errors are scrubbed before logging);
// the redaction list is the second line of defence for fields that carry them by name.
import { createRequire } from 'node:module';
import { pino, type DestinationStream } from 'pino';
import { config } from './config.js';

const secretKeys = [
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

export const logger = pino(
  {
  level: config.logLevel,
  base: { service: 'switchboard' },
  redact: {
    paths: [...secretKeys, ...secretKeys.map((key) => `*.${key}`), ...secretKeys.map((key) => `*.*.${key}`)],
    censor: '[redacted]',
  },
  },
  destination(),
);

/**
 * JSON lines to LOG_FILE or standard output; in development on a terminal, readable lines through
 * pino-pretty (loaded only then, synchronously, so nothing is lost at exit).
 */
function destination(): DestinationStream {
  if (config.operations.logFormat === 'pretty' && !config.logFile) {
    const pretty = createRequire(import.meta.url)('pino-pretty') as (options: object) => DestinationStream;
    return pretty({ sync: true, colorize: process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
  }
  return pino.destination({ dest: config.logFile ?? 1, sync: Boolean(config.logFile), mkdir: true });
}

export type Logger = typeof logger;
