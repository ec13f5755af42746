// The proxy's GraphQL side: proxyRequest. The streaming path proxy is an HTTP route (src/http/proxy-route.ts).
import { rootAuthScopes } from '../root-field-rules.js';
import { builder } from '../builder.js';
import {
  ForbiddenError,
  NotFoundError,
  ProviderError,
  RateLimitedError,
  ReauthorizationRequiredError,
  UpstreamUnavailableError,
  ValidationError,
} from '../../kernel/errors.js';
import type { ProxyResponse } from '../../proxy/proxy.js';
import { RefreshPolicyEnum } from './connections.js';

const HttpMethodEnum = builder.enumType('HttpMethod', {
  values: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const,
});

const ProxyRequestInput = builder.inputType('ProxyRequestInput', {
  fields: (t) => ({
    integration: t.string({ required: true }),
    connectionId: t.id({ description: 'Defaults to the viewer\'s "default" connection, or the shared one.' }),
    method: t.field({ type: HttpMethodEnum, defaultValue: 'GET' }),
    url: t.string({ required: true, description: "Relative to the connection's API base URL, or absolute on the same origin." }),
    headers: t.field({ type: 'JSONObject', description: 'Passed through an allow-list; Authorization, Cookie, Host and hop-by-hop headers are dropped.' }),
    data: t.field({ type: 'JSON', description: 'Sent as JSON.' }),
    body: t.string({ description: 'Sent as is, instead of data.' }),
    refreshPolicy: t.field({ type: RefreshPolicyEnum, defaultValue: 'AUTO' }),
  }),
});

const ProxyResponseType = builder.objectRef<ProxyResponse>('ProxyResponse').implement({
  fields: (t) => ({
    status: t.exposeInt('status'),
    ok: t.exposeBoolean('ok'),
    headers: t.field({ type: 'JSONObject', resolve: (response) => response.headers }),
    data: t.field({ type: 'JSON', nullable: true, description: 'Parsed when the response is JSON.', resolve: (response) => response.data }),
    body: t.exposeString('body', { nullable: true, description: 'The raw body when it is text and not JSON.' }),
    bodyBase64: t.exposeString('bodyBase64', { nullable: true, description: 'The body, base64-encoded, when it is binary.' }),
    url: t.exposeString('url'),
    attempts: t.exposeInt('attempts'),
    durationMs: t.exposeFloat('durationMs'),
  }),
});

builder.mutationField('proxyRequest', (t) =>
  t.field({
    authScopes: rootAuthScopes('Mutation', 'proxyRequest'),
    type: ProxyResponseType,
    description: "Calls the provider's API with the connection's credentials, refreshing and retrying where that is right.",
    errors: {
      types: [NotFoundError, ForbiddenError, ValidationError, ProviderError, ReauthorizationRequiredError, RateLimitedError, UpstreamUnavailableError],
    },
    args: { input: t.arg({ type: ProxyRequestInput, required: true }) },
    resolve: (_root, { input }, context) =>
      context.app.proxy.proxyRequest(context.viewer, {
        ...input,
        connectionId: input.connectionId === null || input.connectionId === undefined ? null : String(input.connectionId),
      }),
  }),
);
