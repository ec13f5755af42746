// Sending one claimed delivery: signed per Standard Webhooks with the endpoint's current (and, in its
// grace period, previous) secret, through the outbound layer (address check, timeout, no redirects).
// What the endpoint answered is kept as an excerpt; why an attempt failed, in words, never a secret.
import type { Keyring } from '../crypto/envelope.js';
import { withJitter } from '../kernel/backoff.js';
import { readBody } from '../net/body.js';
import type { Outbound } from '../net/outbound.js';
import { BlockedAddressError } from '../net/upstream-agent.js';
import { signingSecretsOf } from './endpoints.js';
import { signatureHeader } from './signing.js';

/** Bytes of a response body kept in the delivery log (headers are never kept). */
const RESPONSE_EXCERPT_BYTES = 256;

export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  messageId: string;
  eventType: string;
  body: string;
  /** Its connection, for status events: the next message with the same key waits for this one. */
  orderingKey?: string | null;
  /** Attempts started, this one included: with the owner, the compare-and-set key of the lease. */
  attempts: number;
  url: string;
  secretEnc: string;
  previousSecretEnc: string | null;
  previousSecretExpiresAt: Date | null;
  /** Sent as a probe of a failing endpoint: its failure changes neither its attempts nor its retry time. */
  probe?: boolean;
}

export interface AttemptOutcome {
  ok: boolean;
  responseStatus: number | null;
  responseExcerpt: string | null;
  /** Why it failed: "HTTP 500", "timeout after 15000 ms", "could not connect", "blocked: …"; never a secret. */
  error: string | null;
  durationMs: number;
  /** Cut short by shutdown: due again at once, on any instance. */
  interrupted?: boolean;
}

/** Sends one claimed delivery, signed with the endpoint's current (and, in its grace period, previous) secret. */
export async function sendDelivery(
  deps: { outbound: Outbound; keyring: Keyring },
  delivery: ClaimedDelivery,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const timestamp = Math.floor(Date.now() / 1000);
  const url = new URL(delivery.url);
  const secrets = signingSecretsOf(deps.keyring, { ...delivery, id: delivery.endpointId });
  const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]) : AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await deps.outbound.webhookRequest({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Switchboard-Webhooks/1',
        'webhook-id': delivery.messageId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(secrets, delivery.messageId, timestamp, delivery.body),
      },
      body: delivery.body,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      signal,
    });
    const { bytes } = await readBody(response.body, RESPONSE_EXCERPT_BYTES);
    const excerpt = bytes.length ? bytes.toString('utf8').replace(/\uFFFD+$/, '') : null;
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    return { ok, responseStatus: response.statusCode, responseExcerpt: excerpt, error: ok ? null : `HTTP ${response.statusCode}`, durationMs: elapsed() };
  } catch (error) {
    const interrupted = options.signal?.aborted === true;
    return {
      ok: false,
      responseStatus: null,
      responseExcerpt: null,
      error: interrupted ? 'interrupted by shutdown' : describeFailure(error, options.timeoutMs),
      durationMs: elapsed(),
      interrupted,
    };
  }
}

/**
 * Why an attempt failed, in words that do not tell apart a closed port, an open one that speaks
 * something else and a TLS one (or an unknown host): "blocked", "could not connect", or a timeout
 * once connected. Anything finer would make endpoints an internal port scanner.
 */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof BlockedAddressError) return "blocked: the endpoint's address is not public (see WEBHOOK_ALLOW_PRIVATE)";
  const { name, code } = error as { name?: string; code?: string };
  if (name === 'TimeoutError' || name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return `timeout after ${timeoutMs} ms`;
  }
  return 'could not connect';
}

/** When the attempt after `attempts` failed ones is due, or null when the schedule is spent (±10% jitter). */
export function nextAttemptAfter(attempts: number, schedule: number[], now = Date.now()): Date | null {
  const seconds = schedule[attempts - 1];
  if (seconds === undefined) return null;
  return new Date(now + withJitter(seconds * 1000, 0.1));
}
