// Verifying a provider's webhook, one code path for every provider: the catalog declares the scheme
// (src/catalog/schema.ts webhookVerificationSchema) and this reads it. Signatures are compared in
// constant time; a timestamp outside the tolerance, a missing header or a missing secret is a refusal.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookVerification } from '../../catalog/schema.js';
import { whsecBytes } from '../signing.js';
import { valuesAt, type WebhookMessage } from './values.js';

export interface InboundWebhook extends WebhookMessage {
  method: string;
  /** The URL as the provider called it (the public base URL, the path and the query). */
  url: string;
  rawBody: Buffer;
}

export interface WebhookSecrets {
  providerWebhookSecret?: string;
  clientSecret?: string;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

const refuse = (reason: string): Verdict => ({ ok: false, reason });

/** Equal, in time that depends on the length only. */
function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    // Compare anyway, so a wrong length costs what a wrong value does.
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

function keyOf(secret: string, format: WebhookVerification['secretFormat']): Buffer {
  if (format === 'whsec') return whsecBytes(secret);
  return Buffer.from(secret, 'utf8');
}

/** Twilio's {form}: every field, sorted by name, each name followed by its value. */
function sortedForm(body: unknown): string {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return '';
  return Object.keys(body)
    .sort()
    .map((key) => {
      const value = (body as Record<string, unknown>)[key];
      return [value]
        .flat()
        .map((item) => `${key}${String(item)}`)
        .join('');
    })
    .join('');
}

/** The `keyed` header format: `t=123,v1=abc,v1=def`. */
function keyedParts(header: string): Map<string, string[]> {
  const parts = new Map<string, string[]>();
  for (const item of header.split(',')) {
    const at = item.indexOf('=');
    if (at <= 0) continue;
    const key = item.slice(0, at).trim();
    parts.set(key, [...(parts.get(key) ?? []), item.slice(at + 1).trim()]);
  }
  return parts;
}

/** Checks a webhook against its declared verification. `now` in milliseconds. */
export function verifyWebhook(verification: WebhookVerification, request: InboundWebhook, secrets: WebhookSecrets, now = Date.now()): Verdict {
  const secret = verification.secret === 'clientSecret' ? secrets.clientSecret : secrets.providerWebhookSecret;
  if (!secret) return refuse(`no ${verification.secret} is set on the integration`);

  if (verification.kind === 'clientState') {
    const states = valuesAt(request, verification.clientStatePath!);
    if (!states.length) return refuse('no clientState in the body');
    // Every notification in the batch must carry it (one forged entry would otherwise ride along).
    return states.every((state) => constantTimeEqual(state, secret)) ? { ok: true } : refuse('clientState does not match');
  }

  const header = request.headers[verification.header!.toLowerCase()];
  const headerValue = Array.isArray(header) ? header[0] : header;
  if (!headerValue) return refuse(`no ${verification.header} header`);

  let signatures: string[];
  let timestamp: string | undefined;
  if (verification.format === 'keyed') {
    const parts = keyedParts(headerValue);
    signatures = parts.get(verification.signatureKey) ?? [];
    timestamp = parts.get(verification.timestampKey ?? 't')?.[0];
  } else if (verification.format === 'standard') {
    signatures = headerValue
      .split(' ')
      .map((entry) => entry.trim())
      .filter((entry) => entry.startsWith(`${verification.signatureKey},`))
      .map((entry) => entry.slice(verification.signatureKey.length + 1));
  } else {
    const prefix = verification.prefix ?? '';
    signatures = headerValue.startsWith(prefix) ? [headerValue.slice(prefix.length)] : [];
  }
  if (!signatures.length) return refuse(`${verification.header} holds no signature`);

  if (verification.timestamp?.from) timestamp = valuesAt(request, verification.timestamp.from)[0];
  const needsTimestamp = verification.timestamp !== undefined || verification.signed.includes('{timestamp}');
  if (needsTimestamp) {
    if (!timestamp || !/^\d{1,16}$/.test(timestamp)) return refuse('no valid timestamp');
    const unitMs = verification.timestamp?.unit === 'milliseconds' ? 1 : 1000;
    const toleranceMs = (verification.timestamp?.toleranceSeconds ?? 300) * 1000;
    if (Math.abs(now - Number(timestamp) * unitMs) > toleranceMs) return refuse('the timestamp is outside the tolerance (a replay, or a clock far off)');
  }

  const idHeader = verification.idHeader ? request.headers[verification.idHeader.toLowerCase()] : undefined;
  const id = Array.isArray(idHeader) ? idHeader[0] : idHeader;
  if (verification.signed.includes('{id}') && !id) return refuse(`no ${verification.idHeader} header`);

  // The signed string, with the body as its raw bytes.
  const pieces = verification.signed.split(/(\{body\}|\{timestamp\}|\{method\}|\{url\}|\{id\}|\{form\})/);
  const hmac = createHmac(verification.algorithm, keyOf(secret, verification.secretFormat));
  for (const piece of pieces) {
    if (piece === '{body}') hmac.update(request.rawBody);
    else if (piece === '{timestamp}') hmac.update(timestamp ?? '');
    else if (piece === '{method}') hmac.update(request.method.toUpperCase());
    else if (piece === '{url}') hmac.update(request.url);
    else if (piece === '{id}') hmac.update(id ?? '');
    else if (piece === '{form}') hmac.update(sortedForm(request.body));
    else if (piece) hmac.update(piece);
  }
  const expected = hmac.digest(verification.encoding);
  const normalise = (value: string) => (verification.encoding === 'hex' ? value.toLowerCase() : value);
  let matched = false;
  // Every candidate is compared (no early exit), in constant time each.
  for (const signature of signatures) if (constantTimeEqual(normalise(signature), expected)) matched = true;
  return matched ? { ok: true } : refuse('the signature does not match');
}
