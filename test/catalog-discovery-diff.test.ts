// The hand-run discovery diff (scripts/catalog-discovery-diff.mjs): entries compared with a provider's
// metadata document, served here on 127.0.0.1, and the contributing guide's example entry is valid.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCatalog } from '../src/catalog/index.js';
// @ts-expect-error a plain ES module script without types
import { differences, fetchMetadata, filledUrl, readEntries } from '../scripts/catalog-discovery-diff.mjs';
import { json, startUpstream } from './helpers/upstream.js';

type Entry = Record<string, unknown> & { key: string };

describe('catalog discovery diff', async () => {
  const upstream = await startUpstream();
  const okta = (readEntries() as Entry[]).find((entry) => entry.key === 'okta')!;
  // Okta's org authorization server metadata, as documented, for acme.okta.com.
  const documented = {
    issuer: 'https://acme.okta.com',
    authorization_endpoint: 'https://acme.okta.com/oauth2/v1/authorize',
    token_endpoint: 'https://acme.okta.com/oauth2/v1/token',
    userinfo_endpoint: 'https://acme.okta.com/oauth2/v1/userinfo',
    revocation_endpoint: 'https://acme.okta.com/oauth2/v1/revoke',
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'],
    scopes_supported: ['openid', 'profile', 'email', 'address', 'phone', 'offline_access', 'groups'],
  };

  it('finds nothing to say when the entry agrees with the document (Okta, filled with its example domain)', () => {
    expect(filledUrl(okta, okta.issuer)).toBe('https://acme.okta.com');
    expect(differences(okta, documented)).toEqual([]);
  });

  it('names each disagreement: an endpoint, PKCE, the client authentication, a scope', () => {
    const stale = {
      ...okta,
      issuer: 'https://${connectionConfig.domain}/oauth2/default',
      tokenUrl: 'https://${connectionConfig.domain}/oauth2/default/v1/token',
      pkce: 'unsupported',
      tokenEndpointAuthMethod: 'client_secret_basic',
      scopes: ['openid', 'okta.users.read'],
    };
    expect(differences(stale, { ...documented, token_endpoint_auth_methods_supported: ['private_key_jwt'] })).toEqual([
      'issuer: catalog https://acme.okta.com/oauth2/default, provider https://acme.okta.com',
      'tokenUrl: catalog https://acme.okta.com/oauth2/default/v1/token, provider https://acme.okta.com/oauth2/v1/token',
      'pkce: catalog unsupported, provider advertises S256',
      'tokenEndpointAuthMethod: catalog client_secret_basic, provider supports private_key_jwt',
      "scopes: okta.users.read not in the provider's scopes_supported",
    ]);
  });

  it('fetches the OpenID configuration, falling back to the RFC 8414 document', async () => {
    upstream.routes.set('/tenant/.well-known/openid-configuration', (_req, res) => json(res, 200, documented));
    upstream.routes.set('/.well-known/oauth-authorization-server/only-oauth', (_req, res) => json(res, 200, { issuer: 'x', token_endpoint: 'y' }));
    expect(await fetchMetadata(`${upstream.url}/tenant`)).toEqual({ url: `${upstream.url}/tenant/.well-known/openid-configuration`, metadata: documented });
    expect((await fetchMetadata(`${upstream.url}/only-oauth`))?.url).toBe(`${upstream.url}/.well-known/oauth-authorization-server/only-oauth`);
    expect(await fetchMetadata(`${upstream.url}/nothing`)).toBeUndefined();
  });

  it("the contributing guide's example entry passes the catalog's schema", () => {
    const guide = fs.readFileSync(new URL('../docs/contributing-providers.md', import.meta.url), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(guide)![1]!;
    const [entry] = parseCatalog(example, 'docs/contributing-providers.md');
    expect(entry).toMatchObject({ key: 'acme-crm', docsUrl: expect.stringMatching(/^https:/), verify: { path: 'me' } });
  });
});
