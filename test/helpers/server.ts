// A real Switchboard server on 127.0.0.1 and a small GraphQL client for it.
import { SignJWT } from 'jose';
import { afterAll } from 'vitest';
import { config, type AuthConfig, type Config } from '../../src/config.js';
import { startServer, type SwitchboardServer } from '../../src/http/server.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256!';
export const TEST_API_KEY = 'sb_test_api_key_0123456789abcdef';

/** JWT and API-key auth, no dev mode: what a production deployment looks like. */
export const testAuth: AuthConfig = {
  jwtSecret: TEST_JWT_SECRET,
  adminClaim: 'switchboard_admin',
  apiKeys: [TEST_API_KEY],
  devMode: false,
};

export async function startTestServer(overrides: Partial<Config> = {}): Promise<SwitchboardServer> {
  const server = await startServer({ ...config, auth: testAuth, ...overrides }, { port: 0, host: '127.0.0.1' });
  afterAll(() => server.close());
  return server;
}

export async function signToken(claims: Record<string, unknown> & { sub?: string }, options: { expiresIn?: string; secret?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '10m')
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

export async function userHeaders(userId: string, admin = false): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await signToken({ sub: userId, ...(admin ? { switchboard_admin: true } : {}) })}` };
}

export const adminHeaders = { 'x-api-key': TEST_API_KEY };

export interface GraphQLResponse<T = any> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown>; path?: unknown[] }>;
}

export async function graphql<T = any>(
  server: { url: string },
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: response.status, ...body };
}
