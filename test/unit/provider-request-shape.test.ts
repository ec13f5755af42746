// How a proxied path and a catalog's credential check become a request: an empty path is the API
// base itself, and a catalog header replaces the default of the same name whatever its case.
import { describe, expect, it } from 'vitest';
import type { Integration } from '../../src/generated/prisma/client.js';
import { verifyCheckFor } from '../../src/health/check.js';
import { resolveProxyUrl } from '../../src/proxy/rules.js';

describe('resolveProxyUrl', () => {
  it('sends an empty path to the base URL itself, without adding a slash', () => {
    expect(resolveProxyUrl('https://api.example.com/graphql', '').href).toBe('https://api.example.com/graphql');
    expect(resolveProxyUrl('https://api.example.com/graphql', '/').href).toBe('https://api.example.com/graphql');
  });

  it('puts a query alone on the base URL itself', () => {
    expect(resolveProxyUrl('https://api.example.com/v1/search', '?q=1').href).toBe('https://api.example.com/v1/search?q=1');
  });

  it('resolves other paths under the base path, as before', () => {
    expect(resolveProxyUrl('https://api.example.com/v1', 'users/me').href).toBe('https://api.example.com/v1/users/me');
    expect(resolveProxyUrl('https://api.example.com/v1/', '/users/me').href).toBe('https://api.example.com/v1/users/me');
  });

  it('still refuses paths that leave the base path', () => {
    expect(() => resolveProxyUrl('https://api.example.com/v1', '../admin')).toThrow(/must stay under/);
  });
});

describe('verifyCheckFor', () => {
  const integration = (headers: Record<string, string>) =>
    ({ authType: 'API_KEY', apiBaseUrl: 'https://api.example.com', settings: { verify: { path: 'account', headers } } }) as unknown as Integration;
  const place = { apiBaseUrl: null, connectionConfig: {} };

  it('replaces the default accept header with the catalog one, whatever its case', () => {
    const check = verifyCheckFor({ urls: {} as never }, integration({ Accept: 'application/vnd.heroku+json; version=3' }), place)!;
    expect(check.headers).toEqual({ accept: 'application/vnd.heroku+json; version=3' });
  });

  it('keeps the default accept header when the catalog sets none', () => {
    const check = verifyCheckFor({ urls: {} as never }, integration({ 'X-Version': '2' }), place)!;
    expect(check.headers).toEqual({ accept: 'application/json', 'x-version': '2' });
  });
});
