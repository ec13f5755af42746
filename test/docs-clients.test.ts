// docs/clients.md: each snippet, taken from the markdown as written there, runs against one server
// (embedded database, sandbox provider) with the client's defaults.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import type { Environment, RequestParameters } from 'relay-runtime';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { projectRoot } from '../src/paths.js';
import { connectAtSandbox, connectionEventFor, createSandboxIntegration, startSandboxServer } from './helpers/sandbox.js';
import { API_KEY_ADMIN_ID } from '../src/domain/identities.js';
import { TEST_API_KEY } from './helpers/server.js';

const server = await startSandboxServer();
await createSandboxIntegration(server, 'sandbox');
await connectAtSandbox(server, 'sandbox', 'alice');
process.env.SWITCHBOARD_URL = server.url;
process.env.SWITCHBOARD_API_KEY = TEST_API_KEY;

const markdown = fs.readFileSync(path.join(projectRoot, 'docs/clients.md'), 'utf8');
// Inside the checkout, so that the snippets' imports resolve from its node_modules.
const directory = path.join(projectRoot, 'test', `.snippets-${randomBytes(4).toString('hex')}`);
fs.mkdirSync(directory);
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

/** The snippet named `name` in docs/clients.md (```ts snippet=name), written to a module and imported. */
async function run<T = Record<string, any>>(name: string, change: (code: string) => string = (code) => code, as = name): Promise<T> {
  const match = new RegExp(`\`\`\`ts snippet=${name}\\n([\\s\\S]*?)\\n\`\`\``).exec(markdown);
  if (!match) throw new Error(`docs/clients.md has no snippet ${name}`);
  const file = path.join(directory, `${as}.ts`);
  fs.writeFileSync(file, change(match[1]!));
  return (await import(file)) as T;
}

describe('docs/clients.md', () => {
  it('codegen: generates typed documents with the scalar mappings, and possibleTypes, from the running server', { timeout: 60_000 }, async () => {
    const { default: config } = await run('codegen');
    const previous = process.cwd();
    process.chdir(directory);
    try {
      await generate({ ...config, silent: true }, true);
    } finally {
      process.chdir(previous);
    }
    const types = fs.readFileSync(path.join(directory, 'gql/graphql.ts'), 'utf8');
    expect(types).toContain('DateTime: { input: string; output: string; }');
    expect(types).toContain('JSONObject: { input: Record<string, unknown>; output: Record<string, unknown>; }');
    const possibleTypes = fs.readFileSync(path.join(directory, 'gql/possible-types.ts'), 'utf8');
    expect(possibleTypes).toMatch(/"ProxyRequestResult": \[[^\]]*"ProxyResponse"/);
    expect(possibleTypes).toMatch(/"Error": \[[^\]]*"RateLimitedError"/);
  });

  it('Apollo Client: a query, and a result union matched through the generated possibleTypes', async () => {
    const { integrations, proxied } = await run('apollo');
    expect(integrations.integrations.edges.map((edge: any) => edge.node.slug)).toContain('sandbox');
    expect(proxied.proxyRequest).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND', message: 'No integration "nope".' });
  });

  it('Apollo Client: without possibleTypes, the fragment on the Error interface is lost', async () => {
    const code = (snippet: string) => {
      const without = snippet.replace('new InMemoryCache({ possibleTypes: introspection.possibleTypes })', 'new InMemoryCache()');
      expect(without).not.toBe(snippet);
      return without;
    };
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const errored = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const { proxied } = await run('apollo', code, 'apollo-without-possible-types');
      expect(proxied.proxyRequest.__typename).toBe('NotFoundError');
      expect(proxied.proxyRequest).not.toHaveProperty('code');
      expect(proxied.proxyRequest).not.toHaveProperty('message');
    } finally {
      warned.mockRestore();
      errored.mockRestore();
    }
  });

  it('urql: its default GET for queries is answered', async () => {
    const sent = vi.spyOn(globalThis, 'fetch');
    try {
      const { result } = await run('urql');
      expect(result.error).toBeUndefined();
      expect(result.data.viewer).toEqual({ __typename: 'Viewer', userId: API_KEY_ADMIN_ID, isAdmin: true });
      expect(sent.mock.calls.map(([, init]) => init?.method ?? 'GET')).toEqual(['GET']);
    } finally {
      sent.mockRestore();
    }
  });

  it("graphql-request: calls the sandbox's API through alice's connection", async () => {
    const { answer } = await run('graphql-request');
    expect(answer.proxyRequest).toMatchObject({ __typename: 'ProxyResponse', status: 200, data: { sub: 'alice' } });
  });

  it.each(['graphql-ws', 'graphql-sse'])('%s: receives a connection status event (graphql-sse in its default mode)', async (name) => {
    const { client, events } = await run(name);
    try {
      const first = events.next();
      const slug = await connectionEventFor(server);
      expect((await first).value.data.connectionStatusChanged).toEqual({ integrationSlug: slug, status: 'HEALTHY' });
    } finally {
      await events.return?.();
      await client.dispose();
    }
  });

  it("Relay: the environment's network layer runs a query and a subscription", async () => {
    const { environment } = await run<{ environment: Environment }>('relay');
    const operation = (operationKind: 'query' | 'subscription', name: string, text: string): RequestParameters => ({
      id: null,
      cacheID: name,
      name,
      operationKind,
      text,
      metadata: {},
    });
    const network = environment.getNetwork();
    const viewer = await network.execute(operation('query', 'ViewerQuery', 'query ViewerQuery { viewer { userId } }'), {}, {}).toPromise();
    expect(viewer).toEqual({ data: { viewer: { userId: API_KEY_ADMIN_ID } } });
    const received = new Promise<unknown>((resolve, reject) => {
      const subscription = network
        .execute(
          operation('subscription', 'StatusSubscription', 'subscription StatusSubscription { connectionStatusChanged { integrationSlug status } }'),
          {},
          {},
        )
        .subscribe({
          next: (value) => {
            resolve(value);
            subscription.unsubscribe();
          },
          error: reject,
        });
    });
    const slug = await connectionEventFor(server);
    expect(await received).toEqual({ data: { connectionStatusChanged: { integrationSlug: slug, status: 'HEALTHY' } } });
  });
});
