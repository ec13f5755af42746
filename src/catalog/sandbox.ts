// The built-in sandbox provider's template: an OAuth 2.0 + OpenID Connect provider that Switchboard
// itself serves under PUBLIC_URL/sandbox (src/sandbox/), in development only. It is not in
// providers.yaml: its endpoints are this server's, and it needs no registration anywhere.
import { randomBytes } from 'node:crypto';

export const SANDBOX_PROVIDER = 'sandbox';

export function sandboxIssuer(publicUrl: string): string {
  return `${publicUrl}/sandbox/oauth`;
}

/** What createIntegration(provider: "sandbox") fills in; a client is made up on the spot (the sandbox accepts any sandbox integration's). */
export function sandboxTemplate(publicUrl: string) {
  return {
    name: 'Sandbox',
    issuer: sandboxIssuer(publicUrl),
    apiBaseUrl: `${publicUrl}/sandbox/api/`,
    logoUrl: `${publicUrl}/sandbox/logo.svg`,
    scopes: ['openid', 'profile', 'email'],
    clientId: `sandbox-${randomBytes(8).toString('hex')}`,
    clientSecret: randomBytes(32).toString('base64url'),
  };
}
