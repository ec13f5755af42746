// The GraphQL fast path (GRAPHQL_FAST_PATH) answers exactly as yoga does: the acceptance requests are
// sent to two endpoints over one app, one with the fast path and one without, and their status,
// headers and body bytes compared; the fast path must have answered the common ones itself.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createGraphQLFastPath, type GraphQLFastPath } from '../src/graphql/fast-path.js';
import { handleGraphQL } from '../src/graphql/server.js';
import { compressWhenAccepted } from '../src/http/compression.js';
import { NotFoundError } from '../src/kernel/errors.js';
import { proxiedIntegration } from './helpers/fixtures.js';
import { TEST_API_KEY, testApp } from './helpers/server.js';

interface Case {
  name: string;
  body: string;
  headers?: Record<string, string>;
  /** Whether the fast path answers it (otherwise it leaves it to yoga). */
  fast: boolean;
  /** Set up before each of the two requests (a resolver made to fail, for instance). */
  before?: () => void;
}

describe('the GraphQL fast path', async () => {
  const app = testApp();
  await app.ready();
  const { slug } = await proxiedIntegration(app, 'fast-path');

  const fastPath = createGraphQLFastPath(app.graphql)!;
  let answeredFast = 0;
  const countingFastPath: GraphQLFastPath = async (...args) => {
    const answered = await fastPath(...args);
    if (answered) answeredFast++;
    return answered;
  };
  async function endpoint(withFastPath: boolean): Promise<string> {
    const options = {
      authenticate: app.authenticate,
      maxBodyBytes: 1024 * 1024,
      beforeAnswer: compressWhenAccepted,
      fastPath: withFastPath ? countingFastPath : undefined,
    };
    const server = http.createServer((req, res) => void handleGraphQL(app.graphql, options, req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    afterAll(() => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  }
  const [yogaUrl, fastUrl] = [await endpoint(false), await endpoint(true)];

  async function send(url: string, testCase: Case) {
    testCase.before?.();
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY, ...testCase.headers },
      body: testCase.body,
    });
    const body = Buffer.from(await response.body.arrayBuffer());
    const { date: _date, 'keep-alive': _keepAlive, ...headers } = response.headers;
    return { status: response.statusCode, headers, body: body.toString('base64') };
  }

  const body = (query: string, extra: Record<string, unknown> = {}) => JSON.stringify({ query, ...extra });
  const deep = '{ integrations { edges { node { connection { integration { connection { integration { connection { id } } } } } } } } }';
  const cases: Case[] = [
    { name: 'a query', body: body('{ viewer { userId isAdmin } }'), fast: true },
    {
      name: 'a query with variables and an operation name',
      body: body('query Pick($slug: String!) { integration(integration: $slug) { slug } } query Other { viewer { userId } }', {
        variables: { slug },
        operationName: 'Pick',
      }),
      fast: true,
    },
    {
      name: 'the proxyRequest mutation',
      body: body(`mutation { proxyRequest(input: { integration: "${slug}", url: "item" }) { ... on ProxyResponse { status data } ... on Error { code } } }`),
      fast: true,
    },
    {
      name: 'a mutation answered with an error of its union',
      body: body('mutation { proxyRequest(input: { integration: "no-such-integration", url: "item" }) { __typename ... on Error { code message } } }'),
      fast: true,
    },
    { name: 'a syntax error', body: body('{ viewer { userId '), fast: true },
    { name: 'an unknown field', body: body('{ viewer { nope } }'), fast: true },
    {
      name: 'an unknown field (graphql-response+json)',
      body: body('{ viewer { nope } }'),
      headers: { accept: 'application/graphql-response+json' },
      fast: true,
    },
    { name: 'too deep', body: body(deep), fast: true },
    { name: 'too many aliases', body: body(`{ ${Array.from({ length: 20 }, (_, index) => `a${index}: viewer { userId }`).join(' ')} }`), fast: true },
    { name: 'too many tokens', body: body(`{ viewer { ${'userId '.repeat(1200)}} }`), fast: true },
    {
      name: 'too costly',
      body: body('{ integrations(first: 100) { edges { node { connections(first: 100) { edges { node { id name status scopes } } } } } } }'),
      fast: true,
    },
    { name: 'an unknown operation name', body: body('query A { viewer { userId } } query B { viewer { isAdmin } }', { operationName: 'C' }), fast: true },
    { name: 'several operations and no name', body: body('query A { viewer { userId } } query B { viewer { isAdmin } }'), fast: true },
    {
      name: 'variables that do not coerce',
      body: body('query ($slug: String!) { integration(integration: $slug) { slug } }', { variables: { slug: { not: 'a string' } } }),
      fast: true,
    },
    { name: 'a missing required variable', body: body('query ($slug: String!) { integration(integration: $slug) { slug } }'), fast: true },
    {
      name: 'a masked unexpected error',
      body: body('{ integration(integration: "x") { slug } }'),
      before: () => void vi.spyOn(app.services.integrations, 'find').mockRejectedValueOnce(new Error('a secret detail')),
      fast: true,
    },
    {
      name: "a domain error's own message and code",
      body: body('{ integration(integration: "x") { slug } }'),
      before: () => void vi.spyOn(app.services.integrations, 'find').mockRejectedValueOnce(new NotFoundError('No such integration here.')),
      fast: true,
    },
    { name: 'an answer compressed with gzip', body: body('{ __schema { types { name description } } }'), headers: { 'accept-encoding': 'gzip' }, fast: true },
    { name: 'an answer compressed with brotli', body: body('{ __schema { types { name description } } }'), headers: { 'accept-encoding': 'br' }, fast: true },
    { name: 'Accept: text/html (406)', body: body('{ viewer { userId } }'), headers: { accept: 'text/html' }, fast: true },
    { name: 'bad JSON', body: '{"query": "{ viewer { userId } }"', fast: false },
    { name: 'a JSON array (batching is off)', body: JSON.stringify([{ query: '{ viewer { userId } }' }]), fast: false },
    { name: 'a JSON string', body: '"{ viewer { userId } }"', fast: false },
    { name: 'no query', body: JSON.stringify({ variables: {} }), fast: false },
    { name: 'a query that is not a string', body: JSON.stringify({ query: 42 }), fast: false },
    { name: 'variables that are an array', body: body('{ viewer { userId } }', { variables: [1] }), fast: false },
    { name: 'an unexpected parameter', body: body('{ viewer { userId } }', { persisted: true }), fast: false },
    { name: 'a wrong content type (CSRF)', body: body('{ viewer { userId } }'), headers: { 'content-type': 'text/plain' }, fast: false },
    { name: 'graphql+json content type', body: body('{ viewer { userId } }'), headers: { 'content-type': 'application/graphql+json' }, fast: false },
    { name: 'Accept: text/event-stream', body: body('{ viewer { userId } }'), headers: { accept: 'text/event-stream' }, fast: false },
    {
      name: 'a subscription',
      body: body('subscription { connectionStatusChanged { __typename } }'),
      headers: { accept: 'application/json' },
      fast: false,
    },
    { name: 'no credentials (401 before either)', body: body('{ viewer { userId } }'), headers: { 'x-api-key': 'sb_wrong_key_0123456789abcdef' }, fast: false },
  ];

  it.each(cases)('answers $name as yoga does', async (testCase) => {
    const yoga = await send(yogaUrl, testCase);
    const before = answeredFast;
    const fast = await send(fastUrl, testCase);
    expect(fast).toEqual(yoga);
    expect(answeredFast - before).toBe(testCase.fast ? 1 : 0);
  });

  it('is off with GRAPHQL_FAST_PATH=false, and on by default', async () => {
    const { loadConfig } = await import('../src/config.js');
    expect(loadConfig({ ...process.env, GRAPHQL_FAST_PATH: 'false' }).graphql.fastPath).toBe(false);
    expect(loadConfig({ ...process.env, GRAPHQL_FAST_PATH: '' }).graphql.fastPath).toBe(true);
  });
});
