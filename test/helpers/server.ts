// Apps for tests: real Switchboards on 127.0.0.1, each with the settings it needs (deep-merged over
// the test environment's), sharing the file's database as instances share one; and a small GraphQL
// client for them.
import { SignJWT } from 'jose';
import { afterAll, onTestFinished } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { registerListeningServer } from './authorization-server.js';
import { database, keyring, testLogger } from './database.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256!';
export const TEST_API_KEY = 'sb_test_api_key_0123456789abcdef';

/** JWT and API-key auth, no dev mode: what a production deployment looks like. */
export const testAuth: Config['auth'] = {
  jwtSecret: TEST_JWT_SECRET,
  jwksUrl: undefined,
  issuer: undefined,
  audience: undefined,
  adminClaim: 'switchboard_admin',
  apiKeys: [TEST_API_KEY],
  devMode: false,
  clockToleranceSeconds: 30,
  apiKeyCacheTtlMs: 500,
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type ConfigOverrides = DeepPartial<Config>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** `base` with `overrides` merged in, recursively; a key given as undefined unsets the setting. */
function merged<T>(base: T, overrides: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(overrides)) return (overrides === undefined ? base : overrides) as T;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) result[key] = value === undefined ? undefined : merged(result[key], value);
  return result as T;
}

/** Runs `stop` when the current test ends, or after the file when called outside a test. */
function stopAfterwards(stop: () => Promise<void>): void {
  try {
    onTestFinished(stop);
  } catch {
    afterAll(stop);
  }
}

/** The test environment's configuration with test authentication, and `overrides` merged in. */
export function testConfig(overrides: ConfigOverrides = {}): Config {
  return merged({ ...loadConfig(process.env), auth: testAuth }, overrides);
}

/** An app on the file's database that does not listen (for tests that call its services); stopped after the test, or the file. */
export function testApp(overrides: ConfigOverrides = {}): App {
  const app = createApp(testConfig(overrides), { database, keyring, logger: overrides.log ? undefined : testLogger });
  stopAfterwards(() => app.stop(0));
  return app;
}

export type TestServer = App & { close(): Promise<void> };

/** A listening, ready app on 127.0.0.1 and a free port (or `port`); stopped after the test, or the file. */
export async function startTestServer(overrides: ConfigOverrides = {}, { port = 0 }: { port?: number } = {}): Promise<TestServer> {
  const app = createApp(testConfig(overrides), { database, keyring, logger: overrides.log ? undefined : testLogger });
  await app.listen({ port, host: '127.0.0.1' });
  await app.ready();
  const forget = registerListeningServer(app.config.publicUrl, app.url);
  let stopped: Promise<void> | undefined;
  const close = () => {
    forget();
    return (stopped ??= app.stop());
  };
  stopAfterwards(close);
  return Object.assign(app, { close });
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
