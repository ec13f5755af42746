// resolveProxyTarget joins plain relative paths as text; everything else goes through resolveProxyUrl.
// Both must give the same target (or the same refusal) for any input: generated cases mix the pieces
// that the SSRF rules care about (dot segments, encoded dots and slashes, backslashes, scheme-relative
// and absolute URLs, credentials, queries, fragments, control characters).
import { describe, expect, it } from 'vitest';
import { resolveProxyTarget, resolveProxyUrl } from '../../src/proxy/rules.js';

const BASES = [
  'https://api.example.com/v1',
  'https://api.example.com/v1/',
  'https://api.example.com',
  'http://127.0.0.1:8080/api/v2/',
  'https://api.example.com/graphql',
  'https://api.example.com/a%20b/',
  'https://api.example.com:443/v1?fixed=1',
];

const PIECES = [
  'users',
  'me',
  'a.b',
  '...',
  '.',
  '..',
  '%2e',
  '%2E%2e',
  '%2f',
  '%5c',
  '%zz',
  '/',
  '//',
  '\\',
  '?',
  '?q=1',
  '&x=%20y',
  '=',
  '#frag',
  ':',
  '@',
  'user:pass@',
  'evil.com',
  'https://api.example.com/v1/',
  'http://other.example/',
  '//other.example/',
  ' ',
  '\t',
  "'",
  '"',
  '<',
  '~!$&()*+,;',
  'é',
  '[',
  '^',
  '|',
  '{',
];

function outcome(resolve: () => { href: string; origin: string; host: string; pathname: string; search: string }) {
  try {
    const { href, origin, host, pathname, search } = resolve();
    return { href, origin, host, pathname, search };
  } catch (error) {
    return { refused: (error as Error).message };
  }
}

describe('resolveProxyTarget', () => {
  it('gives the same target or refusal as resolveProxyUrl on 60,000 generated inputs', () => {
    let seed = 30;
    const random = (below: number) => {
      // A fixed sequence (xorshift), so that a failure can be replayed.
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % below;
    };
    let joined = 0;
    for (let index = 0; index < 60_000; index++) {
      const base = BASES[random(BASES.length)]!;
      let input = '';
      for (let count = random(6); count >= 0; count--) input += PIECES[random(PIECES.length)]!;
      const fast = outcome(() => resolveProxyTarget(base, input));
      const reference = outcome(() => resolveProxyUrl(base, input));
      if (JSON.stringify(fast) !== JSON.stringify(reference)) expect({ base, input, fast }).toEqual({ base, input, fast: reference });
      if ('href' in fast) joined++;
    }
    // The generator reaches both accepted and refused inputs in numbers.
    expect(joined).toBeGreaterThan(5_000);
  });

  it('joins the common call as text and keeps the rules for the rest', () => {
    expect(resolveProxyTarget('https://api.example.com/v1', 'users/me?page=2')).toEqual({
      href: 'https://api.example.com/v1/users/me?page=2',
      origin: 'https://api.example.com',
      host: 'api.example.com',
      pathname: '/v1/users/me',
      search: '?page=2',
    });
    expect(resolveProxyTarget('https://api.example.com/graphql', '').href).toBe('https://api.example.com/graphql');
    expect(() => resolveProxyTarget('https://api.example.com/v1', '../admin')).toThrow(/must stay under/);
    expect(() => resolveProxyTarget('https://api.example.com/v1', 'a/%2fadmin')).toThrow(/encoded dot segments or slashes/);
    expect(() => resolveProxyTarget('https://api.example.com/v1', '//evil.com/x')).toThrow(/scheme-relative/);
    expect(() => resolveProxyTarget(null, 'x')).toThrow(/no API base URL/);
  });
});
