// Which addresses the proxy refuses to connect to (OWASP SSRF prevention), and Retry-After parsing.
import { describe, expect, it } from 'vitest';
import { isNonPublicAddress } from '../../src/net/addresses.js';
import { retryAfterSeconds, waitAskedFor } from '../../src/proxy/rules.js';

describe('non-public addresses', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '0.0.0.0',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '::1',
    '::',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'not-an-address',
  ])('%s is refused', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-11-24T10:00:00Z');
  it('reads delay-seconds and HTTP-dates', () => {
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds('Tue, 24 Nov 2026 10:00:30 GMT', now)).toBe(30);
    expect(retryAfterSeconds('Tue, 24 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds(undefined, now)).toBeUndefined();
  });

  it("falls back on a provider's rate-limit reset header when Retry-After is absent", () => {
    const github = { settings: { proxy: { rateLimitResetHeader: 'x-ratelimit-reset', rateLimitResetFormat: 'epoch-seconds' } } };
    expect(waitAskedFor({ 'x-ratelimit-reset': String(now / 1000 + 42) }, github, now)).toBe(42);
    expect(waitAskedFor({ 'retry-after': '5', 'x-ratelimit-reset': String(now / 1000 + 42) }, github, now)).toBe(5);
    expect(waitAskedFor({ 'x-ratelimit-reset': String(now / 1000 + 42) }, { settings: {} }, now)).toBeUndefined();
    const delta = { settings: { proxy: { rateLimitResetHeader: 'RateLimit-Reset', rateLimitResetFormat: 'delta-seconds' } } };
    expect(waitAskedFor({ 'ratelimit-reset': '7' }, delta, now)).toBe(7);
  });
});
