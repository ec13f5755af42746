// Credentials the proxy injects must never come back to the caller through the provider's answer:
// a redirect that keeps the query (`Location: …&appid=<key>`), a `Link` to the next page built from
// the request URL, a `Refresh`, or a debug header that echoes `Authorization`. A user of a shared
// connection may not read its credential (`credentials` answers FORBIDDEN); the headers must not
// hand it over either. (`Set-Cookie` is dropped whole by filteredResponseHeaders.)

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

/** Scrubs every response header value in place (names are lower case, as undici gives them). */
export function scrubInjectedSecrets(headers: Record<string, string | string[] | undefined>, injected: InjectedSecrets): void {
  const values = [...new Set(injected.values.filter((value) => value.length >= MIN_SCRUBBED_LENGTH))];
  if (values.length === 0 && !injected.queryParam) return;
  // The query parameter by name (`appid=…` up to the next delimiter), in any URL-carrying header.
  const byName = injected.queryParam ? new RegExp(`([?&;]${secretPattern(injected.queryParam)}=)[^&#\\s>;,"']*`, 'gi') : undefined;
  let byValue: RegExp | undefined;
  const scrub = (text: string): string => {
    let result = byName ? text.replace(byName, `$1${REDACTED}`) : text;
    // Fast path: only a header that could hold a value (raw, or with percent-encoding) pays for the pattern.
    if (values.length > 0 && (result.includes('%') || result.includes('+') || values.some((value) => result.includes(value)))) {
      byValue ??= new RegExp(values.map(secretPattern).join('|'), 'gi');
      result = result.replace(byValue, REDACTED);
    }
    return result;
  };
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.map(scrub) : scrub(value);
  }
}
