// Verifying Switchboard's own webhooks (Standard Webhooks): the `webhook-signature` header holds
// "v1,<base64 HMAC-SHA256 of `${webhook-id}.${webhook-timestamp}.${body}`>" per secret, space-separated
// (after a rotation the previous secret signs beside the new one); secrets are "whsec_<base64 key>".
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The body of a Switchboard webhook (`connection.created`, `connection.failed`, …). */
export interface WebhookEvent {
  type: string;
  timestamp: string;
  data: Record<string, unknown> & { connectionId?: string; integration?: string; status?: string };
}

export interface VerifyWebhookOptions {
  /** The endpoint's signing secret(s) ("whsec_…"); several while you roll a rotation out. */
  secret: string | string[];
  /** How far the timestamp may be from now, in seconds (replays older than this fail). Default 300. */
  toleranceSeconds?: number;
  /** For tests: the current time in milliseconds. */
  now?: number;
}

export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
  constructor(
    message: string,
    readonly code: 'MISSING_HEADER' | 'TIMESTAMP_OUT_OF_RANGE' | 'INVALID_SIGNATURE' | 'INVALID_BODY',
  ) {
    super(message);
  }
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? Object.entries(record).find(([key]) => key.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/** The `webhook-signature` value Switchboard sends for a message: what a test of your receiver needs. */
export function signWebhook(secret: string, messageId: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', keyOf(secret)).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/**
 * Checks a delivery's signature and timestamp and returns its parsed body; throws
 * WebhookVerificationError otherwise. `body` must be the raw request body, exactly as received.
 */
export function verifyWebhook(body: string | Uint8Array, headers: HeaderSource, options: VerifyWebhookOptions): WebhookEvent {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures)
    throw new WebhookVerificationError('webhook-id, webhook-timestamp and webhook-signature are required.', 'MISSING_HEADER');
  const seconds = Number(timestamp);
  const tolerance = options.toleranceSeconds ?? 300;
  const now = (options.now ?? Date.now()) / 1000;
  if (!/^\d+$/.test(timestamp) || Math.abs(now - seconds) > tolerance)
    throw new WebhookVerificationError(`webhook-timestamp is more than ${tolerance} s from now.`, 'TIMESTAMP_OUT_OF_RANGE');
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  const received = signatures
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
  const secrets = Array.isArray(options.secret) ? options.secret : [options.secret];
  const matches = secrets.some((secret) => {
    const expected = Buffer.from(signWebhook(secret, id, seconds, text).slice(3), 'base64');
    return received.some((signature) => signature.length === expected.length && timingSafeEqual(signature, expected));
  });
  if (!matches) throw new WebhookVerificationError('No signature in webhook-signature matches the secret.', 'INVALID_SIGNATURE');
  try {
    return JSON.parse(text) as WebhookEvent;
  } catch {
    throw new WebhookVerificationError('The body is not JSON.', 'INVALID_BODY');
  }
}
