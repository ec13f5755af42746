// Compiled execution (GRAPHQL_COMPILED_EXECUTION) answers exactly as graphql-js does: the acceptance
// requests, and requests made to fail in each way (masked errors, domain errors with codes,
// validation, variables, authorization, a null where none may be), are sent to two GraphQL servers
// over one app, one compiling and one not, and their status, headers and body bytes compared on the
// first, second and third run (compiled from the second); the compiled one must have run compiled.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createGraphQLFastPath } from '../src/graphql/fast-path.js';
import { createGraphQLServer, handleGraphQL, type GraphQLServer } from '../src/graphql/server.js';
import { NotFoundError } from '../src/kernel/errors.js';
import { proxiedIntegration } from './helpers/fixtures.js';
import { TEST_API_KEY, testApp } from './helpers/server.js';
import { json } from './helpers/upstream.js';

interface Case {
  name: string;
  body: string;
  headers?: Record<string, string>;
  /** Whether the compiling server runs it compiled once it has seen it. */
  compiled: boolean;
  /** Set up before each request (a resolver made to fail, for instance). */
  before?: () => void;
}

describe('compiled execution', async () => {
  const app = testApp();
  await app.ready();
  const { upstream, slug } = await proxiedIntegration(app, 'compiled');
  // No Date header: the answer's headers are in the GraphQL body, compared byte for byte across seconds.
  upstream.routes.set('/api/v1/broken', (_req, res) => {
    res.sendDate = false;
    json(res, 502, { error: 'bad_gateway' });
  });

  const runs = { compiled: 0, interpreted: 0 };
  function server(compiledExecution: boolean): GraphQLServer {
    return createGraphQLServer({
      authenticate: app.authenticate,
      services: app.services,
      settings: { ...app.config.graphql, compiledExecution },
      graphiql: false,
      development: false,
      logger: app.logger,
      metrics: app.metrics,
      compiledExecution: { observe: (how) => runs[how]++ },
    });
  }
  async function endpoint(graphql: GraphQLServer): Promise<string> {
    const options = { authenticate: app.authenticate, maxBodyBytes: 1024 * 1024, fastPath: createGraphQLFastPath(graphql) };
    const listener = http.createServer((req, res) => void handleGraphQL(graphql, options, req, res));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    afterAll(() => {
      listener.closeAllConnections();
      return new Promise<void>((resolve) => listener.close(() => resolve()));
    });
    return `http://127.0.0.1:${(listener.address() as AddressInfo).port}/graphql`;
  }
  const [interpretedUrl, compiledUrl] = [await endpoint(server(false)), await endpoint(server(true))];

  async function send(url: string, testCase: Case) {
    testCase.before?.();
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY, ...testCase.headers },
      body: testCase.body,
    });
    const body = Buffer.from(await response.body.arrayBuffer()).toString('utf8');
    const { date: _date, 'keep-alive': _keepAlive, ...headers } = response.headers;
    return { status: response.statusCode, headers, body };
  }

  const body = (query: string, extra: Record<string, unknown> = {}) => JSON.stringify({ query, ...extra });
  const asUser = { 'x-user-id': 'compiled-user' };
  const proxy = (url: string, selection = '... on ProxyResponse { status data } ... on Error { code }') =>
    body(`mutation { proxyRequest(input: { integration: "${slug}", url: "${url}" }) { ${selection} } }`);
  const cases: Case[] = [
    { name: 'a query', body: body('{ viewer { userId isAdmin } }'), compiled: true },
    {
      name: 'a query with variables and an operation name',
      body: body('query Pick($slug: String!) { integration(integration: $slug) { slug } } query Other { viewer { userId } }', {
        variables: { slug },
        operationName: 'Pick',
      }),
      compiled: true,
    },
    {
      name: 'fragments, aliases, __typename and @include',
      body: body(
        'query ($with: Boolean!) { me: viewer { ...who } again: viewer { isAdmin @include(if: $with) userId @skip(if: $with) } list: integrations(first: 5) { edges { node { __typename slug } } } } fragment who on Viewer { userId }',
        { variables: { with: true } },
      ),
      compiled: true,
    },
    {
      // Pothos plans the relations into the page's database query from graphql-js's resolve info.
      name: 'relations of Prisma-backed objects (left to graphql-js)',
      body: body('{ list: integrations(first: 5) { edges { node { __typename slug connections(first: 1) { totalCount } } } } }'),
      compiled: false,
    },
    { name: 'the proxyRequest mutation', body: proxy('item'), compiled: true },
    {
      name: 'the proxyRequest mutation with headers and a 502',
      body: proxy('broken', '__typename ... on ProxyResponse { status headers data }'),
      compiled: true,
    },
    {
      name: 'a mutation answered with an error of its union',
      body: body('mutation { proxyRequest(input: { integration: "no-such-integration", url: "item" }) { __typename ... on Error { code message } } }'),
      compiled: true,
    },
    {
      name: 'an authorization error on a query (FORBIDDEN)',
      body: body('{ auditEvents(first: 1) { edges { node { id } } } }'),
      headers: asUser,
      compiled: true,
    },
    {
      name: 'an authorization error in a mutation union',
      body: body('mutation { deleteIntegration(input: { integration: "x" }) { __typename ... on Error { code message } } }'),
      headers: asUser,
      compiled: true,
    },
    {
      name: 'a masked unexpected error',
      body: body('{ integration(integration: "x") { slug } }'),
      before: () => void vi.spyOn(app.services.integrations, 'find').mockRejectedValueOnce(new Error('a secret detail')),
      compiled: true,
    },
    {
      name: 'a thrown value that is not an Error',
      body: body('query NotAnError { integration(integration: "x") { slug } }'),
      before: () => void vi.spyOn(app.services.integrations, 'find').mockRejectedValueOnce('a secret string'),
      compiled: true,
    },
    {
      name: "a domain error's own message and code",
      body: body('query DomainError { integration(integration: "x") { slug } }'),
      before: () => void vi.spyOn(app.services.integrations, 'find').mockRejectedValueOnce(new NotFoundError('No such integration here.')),
      compiled: true,
    },
    {
      name: 'a null where the schema allows none (masked)',
      body: body('{ integration(integration: "x") { slug name } }'),
      before: () => void vi.spyOn(app.services.integrations, 'find').mockResolvedValueOnce({ slug: null, name: 'n' } as never),
      compiled: true,
    },
    { name: 'a syntax error', body: body('{ viewer { userId '), compiled: false },
    { name: 'an unknown field', body: body('{ viewer { nope } }'), compiled: false },
    { name: 'too many aliases', body: body(`{ ${Array.from({ length: 20 }, (_, index) => `a${index}: viewer { userId }`).join(' ')} }`), compiled: false },
    {
      name: 'too costly',
      body: body('{ integrations(first: 100) { edges { node { connections(first: 100) { edges { node { id name status scopes } } } } } } }'),
      compiled: false,
    },
    { name: 'an unknown operation name', body: body('query A { viewer { userId } } query B { viewer { isAdmin } }', { operationName: 'C' }), compiled: false },
    {
      name: 'variables that do not coerce',
      body: body('query ($slug: String!) { integration(integration: $slug) { slug } }', { variables: { slug: { not: 'a string' } } }),
      compiled: false,
    },
    { name: 'a missing required variable', body: body('query ($slug: String!) { integration(integration: $slug) { slug } }'), compiled: false },
    { name: 'introspection (on graphql-js)', body: body('{ __schema { queryType { name } } __type(name: "Viewer") { name } }'), compiled: false },
  ];

  it.each(cases)('answers $name as graphql-js does, compiled or not', async (testCase) => {
    const expected = await send(interpretedUrl, testCase);
    const before = runs.compiled;
    for (let run = 1; run <= 3; run++) expect(await send(compiledUrl, testCase), `run ${run}`).toEqual(expected);
    expect(runs.compiled - before).toBe(testCase.compiled ? 2 : 0);
  });

  it('is on by default, and off with GRAPHQL_COMPILED_EXECUTION=false', async () => {
    const { loadConfig } = await import('../src/config.js');
    expect(loadConfig({ ...process.env, GRAPHQL_COMPILED_EXECUTION: 'false' }).graphql.compiledExecution).toBe(false);
    expect(loadConfig({ ...process.env, GRAPHQL_COMPILED_EXECUTION: '' }).graphql.compiledExecution).toBe(true);
  });
});
