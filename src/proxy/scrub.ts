// Credentials the proxy injects must never come back to the caller through the provider's answer:
// a redirect that keeps the query (`Location: …&appid=<key>`), a `Link` to the next page built from
// the request URL, a `Refresh`, or a debug header that echoes `Authorization`. A user of a shared
// connection may not read its credential (`credentials` answers FORBIDDEN); the headers must not
// hand it over either. (`Set-Cookie` is dropped whole by filteredResponseHeaders.)

import { LRUCache } from 'lru-cache';

/** What the proxy put into one request that the caller must not read back. */
export interface InjectedSecrets {
  /** Secret values as sent: the key or token, a Basic header's encoded pair and its password… */
  values: string[];
  /** The query parameter the credential went in (OpenWeather `appid`, Google Maps `key`…). */
  queryParam?: string;
}

export const NOTHING_INJECTED: InjectedSecrets = { values: [] };

/** What a scrubbed secret reads as. */
const REDACTED = 'REDACTED';

/**
 * Values shorter than this are not searched for in arbitrary header text (a 3-character key would
 * mangle unrelated headers); a query credential of any length is still removed by its parameter name.
 */
const MIN_SCRUBBED_LENGTH = 6;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The secret as written in any header: as it is, or with any of its characters percent-encoded (either hex case), or a space as `+`. */
function secretPattern(secret: string): string {
  let pattern = '';
  for (const char of secret) {
    const encoded = [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
    const alternatives = [escapeRegExp(char), encoded];
    if (char === ' ') alternatives.push('\\+');
    pattern += `(?:${alternatives.join('|')})`;
  }
  return pattern;
}

/** Compiled patterns, per app (the proxy's): built once per query parameter and per set of secrets, not per call. */
export function createSecretPatterns(maxEntries = 1000) {
  const byName = new LRUCache<string, RegExp>({ max: 100 });
  const byValue = new LRUCache<string, RegExp>({ max: maxEntries });
  return {
    /** `appid=…` up to the next delimiter, for a query credential's parameter name. */
    queryParam(name: string): RegExp {
      let pattern = byName.get(name);
      if (!pattern) byName.set(name, (pattern = new RegExp(`([?&;]${secretPattern(name)}=)[^&#\\s>;,"']*`, 'gi')));
      return pattern;
    },
    /** Any of `values`, raw or percent-encoded. */
    values(values: string[]): RegExp {
      const key = values.join('\0');
      let pattern = byValue.get(key);
      if (!pattern) byValue.set(key, (pattern = new RegExp(values.map(secretPattern).join('|'), 'gi')));
      return pattern;
    },
  };
}

export type SecretPatterns = ReturnType<typeof createSecretPatterns>;

/** Scrubs every response header value in place (names are lower case, as undici gives them). */
export function scrubInjectedSecrets(headers: Record<string, string | string[] | undefined>, injected: InjectedSecrets, patterns: SecretPatterns): void {
  const values = scrubbedValues(injected.values);
  if (values.length === 0 && !injected.queryParam) return;
  const byName = injected.queryParam ? patterns.queryParam(injected.queryParam) : undefined;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === 'string') headers[name] = scrubText(value, byName, values, patterns);
    else headers[name] = value.map((text) => scrubText(text, byName, values, patterns));
  }
}

/** The values worth searching for, without repeats (usually one: a token or a key). */
function scrubbedValues(values: string[]): string[] {
  if (values.length === 1) return values[0]!.length >= MIN_SCRUBBED_LENGTH ? values : [];
  return [...new Set(values.filter((value) => value.length >= MIN_SCRUBBED_LENGTH))];
}

function scrubText(text: string, byName: RegExp | undefined, values: string[], patterns: SecretPatterns): string {
  const result = byName ? text.replace(byName, `$1${REDACTED}`) : text;
  // Fast path: only a header that could hold a value (raw, or with percent-encoding) pays for the pattern.
  if (values.length === 0 || !(result.includes('%') || result.includes('+') || containsAny(result, values))) return result;
  return result.replace(patterns.values(values), REDACTED);
}

function containsAny(text: string, values: string[]): boolean {
  for (const value of values) if (text.includes(value)) return true;
  return false;
}
