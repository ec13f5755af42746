// Sending one claimed delivery: signed per Standard Webhooks with the endpoint's current (and, in its
// grace period, previous) secret, through the outbound layer (address check, timeout, no redirects).
// What the endpoint answered is kept as an excerpt; why an attempt failed, in words, never a secret.
import type { Keyring } from '../crypto/envelope.js';
import { withJitter } from '../kernel/backoff.js';
import { readBody } from '../net/body.js';
import type { Outbound } from '../net/outbound.js';
import { BlockedAddressError } from '../net/upstream-agent.js';
import type { KeyObject } from 'node:crypto';
import { signingSecretsOf } from './endpoints.js';
import { signatureHeader, signingKeyOf } from './signing.js';

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

/** What an endpoint's attempts share: its parsed URL and its secrets' HMAC keys. */
interface EndpointTarget {
  origin: string;
  path: string;
  /** The current secret's key, then the previous one's while it signs beside it. */
  keys: KeyObject[];
  /** The claim's endpoint columns this was made from: any change (a URL edit, a rotation) makes it anew. */
  url: string;
  secretEnc: string;
  previousSecretEnc: string | null;
  previousSecretExpiresAt: number | null;
  /** Until when the previous secret signs (ms), or -1: past it, the entry is made anew without it. */
  previousUntil: number;
}

/** Endpoints kept at most; the least recently used goes first (a deleted endpoint's entry ages out). */
const TARGETS_MAX = 1000;

/**
 * Endpoints' URLs and signing keys, made once per endpoint rather than per attempt (a secret's
 * decryption and key import, a URL parse). Each claimed delivery carries the endpoint's columns as
 * they are now, so a rotated secret or an edited URL is used at the next attempt: the entry is checked
 * against them and made anew when they differ.
 */
export function createEndpointTargets(keyring: Keyring) {
  const targets = new Map<string, EndpointTarget>();

  function targetOf(delivery: ClaimedDelivery, now = Date.now()): EndpointTarget {
    const known = targets.get(delivery.endpointId);
    if (
      known &&
      known.url === delivery.url &&
      known.secretEnc === delivery.secretEnc &&
      known.previousSecretEnc === delivery.previousSecretEnc &&
      known.previousSecretExpiresAt === (delivery.previousSecretExpiresAt?.getTime() ?? null) &&
      (known.previousUntil < 0 || known.previousUntil > now)
    ) {
      // Most recently used last, so the first in the map is the one to drop.
      targets.delete(delivery.endpointId);
      targets.set(delivery.endpointId, known);
      return known;
    }
    const url = new URL(delivery.url);
    const secrets = signingSecretsOf(keyring, { ...delivery, id: delivery.endpointId }, new Date(now));
    const target: EndpointTarget = {
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      keys: secrets.map(signingKeyOf),
      url: delivery.url,
      secretEnc: delivery.secretEnc,
      previousSecretEnc: delivery.previousSecretEnc,
      previousSecretExpiresAt: delivery.previousSecretExpiresAt?.getTime() ?? null,
      previousUntil: secrets.length > 1 ? delivery.previousSecretExpiresAt!.getTime() : -1,
    };
    targets.delete(delivery.endpointId);
    targets.set(delivery.endpointId, target);
    if (targets.size > TARGETS_MAX) targets.delete(targets.keys().next().value!);
    return target;
  }

  return { targetOf };
}

type EndpointTargets = ReturnType<typeof createEndpointTargets>;

/**
 * Cuts a worker's attempts in flight short at shutdown. Each attempt's own controller is in it while
 * the attempt runs, rather than each attempt listening on one shared signal: as many listeners as
 * attempts in flight (WEBHOOK_CONCURRENCY) on one AbortSignal set off Node's leak warning.
 */
export function createInterruption() {
  const running = new Set<AbortController>();
  let interrupted = false;
  return {
    get interrupted() {
      return interrupted;
    },
    /** Aborts every attempt in flight, and any that starts afterwards at once. */
    interrupt(): void {
      interrupted = true;
      for (const attempt of running) attempt.abort();
      running.clear();
    },
    add(attempt: AbortController): void {
      if (interrupted) attempt.abort();
      else running.add(attempt);
    },
    delete(attempt: AbortController): void {
      running.delete(attempt);
    },
  };
}
export type Interruption = ReturnType<typeof createInterruption>;

/**
 * Sends one claimed delivery, signed with the endpoint's current (and, in its grace period, previous)
 * secret. One timer bounds the whole attempt (connect, answer, body); `interruption` cuts it short (shutdown).
 */
export async function sendDelivery(
  deps: { outbound: Outbound; keyring: Keyring; targets?: EndpointTargets },
  delivery: ClaimedDelivery,
  options: { timeoutMs: number; interruption?: Interruption },
): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const timestamp = Math.floor(Date.now() / 1000);
  const target = (deps.targets ?? createEndpointTargets(deps.keyring)).targetOf(delivery);
  const attempt = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    attempt.abort();
  }, options.timeoutMs);
  options.interruption?.add(attempt);
  try {
    const response = await deps.outbound.webhookRequest({
      origin: target.origin,
      path: target.path,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Switchboard-Webhooks/1',
        'webhook-id': delivery.messageId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(target.keys, delivery.messageId, timestamp, delivery.body),
      },
      body: delivery.body,
      // The attempt's own timer covers both (undici's would be more timers for the same bound).
      headersTimeout: 0,
      bodyTimeout: 0,
      signal: attempt.signal,
    });
    const { bytes } = await readBody(response.body, RESPONSE_EXCERPT_BYTES);
    const excerpt = bytes.length ? bytes.toString('utf8').replace(/\uFFFD+$/, '') : null;
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    return { ok, responseStatus: response.statusCode, responseExcerpt: excerpt, error: ok ? null : `HTTP ${response.statusCode}`, durationMs: elapsed() };
  } catch (error) {
    const interrupted = options.interruption?.interrupted === true;
    return {
      ok: false,
      responseStatus: null,
      responseExcerpt: null,
      error: interrupted ? 'interrupted by shutdown' : timedOut ? `timeout after ${options.timeoutMs} ms` : describeFailure(error, options.timeoutMs),
      durationMs: elapsed(),
      interrupted,
    };
  } finally {
    clearTimeout(timer);
    options.interruption?.delete(attempt);
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
