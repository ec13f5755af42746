// The tools Switchboard offers agents over MCP (PUBLIC_URL/mcp), as plain functions of a viewer:
// list_connections, call_api (the proxy, as proxyRequest), connect (a link for the user: auth on
// demand), and each provider's catalog tools (src/catalog: method, path template, input schema) for
// the integrations the viewer can use. A tool's failure is a result with isError and the typed
// error's code, worded so that an LLM knows what to do next.
import type { CreateConnectSessionInput, CreatedConnectSession } from '../connect-sessions/sessions.js';
import { listProviders } from '../catalog/index.js';
import { MCP_PATH_PARAMETER, type McpToolTemplate } from '../catalog/schema.js';
import { mayConnectIntegration, visibleConnectionsWhere, visibleIntegrationsWhere } from '../domain/access.js';
import type { Integrations } from '../domain/integrations.js';
import type { Viewer } from '../domain/viewer.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { NotFoundError, ReauthorizationRequiredError, SwitchboardError, ValidationError } from '../kernel/errors.js';
import type { Proxy, ProxyResponse } from '../proxy/proxy.js';
import type { RemoteMcp } from './remote.js';
import type { McpSettings } from './settings.js';

/** A tool as tools/list describes it. */
export interface ToolDescription {
  name: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[] };
  annotations?: { title?: string; readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean };
}

/** A tools/call answer. */
export interface ToolResult {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface AgentToolDeps {
  prisma: PrismaClient;
  integrations: Pick<Integrations, 'find'>;
  proxy: Pick<Proxy, 'proxyRequest'>;
  remoteMcp: Pick<RemoteMcp, 'callTool'>;
  createConnectSession: (viewer: Viewer, input: CreateConnectSessionInput) => Promise<CreatedConnectSession>;
  settings: McpSettings;
}

/** A tool name the viewer called that does not exist (a protocol error, not a tool result). */
export class UnknownToolError extends Error {
  override name = 'UnknownToolError';
}

const CONNECTION_ARGUMENT = {
  type: 'string',
  description: 'Which of the user\'s connections to this integration to use, by name (see list_connections); "default" when omitted.',
};

const BUILT_IN_TOOLS: ToolDescription[] = [
  {
    name: 'list_connections',
    description:
      "Lists the accounts the user has connected (and shared ones): each connection's integration, name, status and scopes. Call it first to pick the account to act as; a user may have several connections to one integration, told apart by name. A status other than HEALTHY means the connection needs attention (connect again with the connect tool).",
    inputSchema: {
      type: 'object',
      properties: { integration: { type: 'string', description: 'Only connections to this integration (its slug), e.g. github' } },
    },
    annotations: { title: 'List connected accounts', readOnlyHint: true, openWorldHint: false },
  },
  {
    name: 'call_api',
    description:
      "Calls a connected provider's HTTP API as the user, with the connection's credentials (Switchboard adds them, refreshing tokens as needed: never send an Authorization header). `path` is relative to the integration's API base URL (e.g. user/repos for GitHub). Returns the HTTP status, selected headers and the body (JSON when the provider answers JSON), cut at a size limit with a note. If the user has not connected the integration, call connect first.",
    inputSchema: {
      type: 'object',
      properties: {
        integration: { type: 'string', description: 'The integration to call, by slug (see list_connections), e.g. github' },
        method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'], description: 'The HTTP method; GET by default' },
        path: { type: 'string', description: 'The path (and optionally a query) relative to the API base URL, e.g. repos/octocat/hello/issues' },
        query: {
          type: 'object',
          additionalProperties: { type: ['string', 'number', 'boolean'] },
          description: 'Query parameters to add to the path',
        },
        headers: {
          type: 'object',
          additionalProperties: { type: 'string' },
          description: 'Extra request headers (an allow-list applies; credentials are added by Switchboard)',
        },
        body: { description: 'The request body: an object or array is sent as JSON, a string as it is' },
        connection: CONNECTION_ARGUMENT,
      },
      required: ['integration', 'path'],
    },
    annotations: { title: "Call a provider's API", openWorldHint: true },
  },
  {
    name: 'connect',
    description:
      'Returns a link the user opens in a browser to connect an account to an integration (or to connect it again when its status is not HEALTHY). Show the link to the user, then call list_connections until the connection appears. Nothing is connected until the user opens the link.',
    inputSchema: {
      type: 'object',
      properties: {
        integration: { type: 'string', description: 'The integration to connect, by slug, e.g. slack' },
        connection: { type: 'string', description: 'A name for the connection, to keep several accounts apart (e.g. work, personal); "default" when omitted' },
      },
      required: ['integration'],
    },
    annotations: { title: 'Connect an account', readOnlyHint: false, openWorldHint: false },
  },
  {
    name: 'call_mcp_tool',
    description:
      "Calls a tool of a remote MCP server the user has connected (an integration of type MCP_OAUTH2), with that connection's token: Switchboard is the gateway. The server's tools are listed by the GraphQL field Connection.mcpTools. Returns the remote tool's result as it is.",
    inputSchema: {
      type: 'object',
      properties: {
        integration: { type: 'string', description: 'The MCP server integration, by slug' },
        name: { type: 'string', description: "The remote tool's name" },
        arguments: { type: 'object', description: "The remote tool's arguments" },
        connection: CONNECTION_ARGUMENT,
      },
      required: ['integration', 'name'],
    },
    annotations: { title: 'Call a remote MCP tool', openWorldHint: true },
  },
];

/** Headers an agent may need from an answer: the body's type, pagination, rate limits, a created resource. */
const SELECTED_HEADERS = /^(content-type|link|location|etag|retry-after|x-next-page|x-total-count|x-ratelimit-[a-z-]+|ratelimit(-[a-z]+)?)$/;

/** Integrations (of the viewer's) with catalog tools, each tool named `<slug>_<tool>`. */
interface CatalogTool {
  name: string;
  integration: { id: string; slug: string; name: string };
  template: McpToolTemplate;
}

export type AgentTools = ReturnType<typeof createAgentTools>;

export function createAgentTools(deps: AgentToolDeps) {
  const { settings } = deps;
  /** Catalog providers with tools, by provider key (read once, on first use). */
  let toolsByProvider: Map<string, McpToolTemplate[]> | undefined;
  const catalogTools = () =>
    (toolsByProvider ??= new Map(listProviders().flatMap((template) => (template.mcpTools?.length ? [[template.key, template.mcpTools] as const] : []))));

  async function catalogToolsFor(viewer: Viewer): Promise<CatalogTool[]> {
    const byProvider = catalogTools();
    const rows = await deps.prisma.integration.findMany({
      where: { ...visibleIntegrationsWhere(viewer), provider: { in: [...byProvider.keys()] }, isShared: false },
      select: { id: true, slug: true, name: true, provider: true },
      orderBy: { slug: 'asc' },
      take: 100,
    });
    return rows.flatMap((integration) =>
      (byProvider.get(integration.provider) ?? []).map((template) => ({ name: `${integration.slug}_${template.name}`, integration, template })),
    );
  }

  async function listTools(viewer: Viewer): Promise<ToolDescription[]> {
    const catalog = await catalogToolsFor(viewer);
    return [
      ...BUILT_IN_TOOLS,
      ...catalog.map(({ name, integration, template }) => ({
        name,
        description: `${integration.name} (integration ${integration.slug}): ${template.description}`,
        inputSchema: {
          type: 'object' as const,
          properties: { ...template.inputSchema.properties, connection: CONNECTION_ARGUMENT },
          required: template.inputSchema.required,
        },
        annotations: { title: `${integration.name}: ${template.name.replaceAll('_', ' ')}`, readOnlyHint: template.method === 'GET', openWorldHint: true },
      })),
    ];
  }

  /** Runs a tool; a typed failure is an isError result, an unknown tool an UnknownToolError. */
  async function callTool(viewer: Viewer, name: string, args: Record<string, unknown>): Promise<ToolResult> {
    try {
      switch (name) {
        case 'list_connections':
          return await listConnections(viewer, args);
        case 'call_api':
          return await callApi(viewer, args);
        case 'connect':
          return await connectLink(viewer, args);
        case 'call_mcp_tool':
          return await callMcpTool(viewer, args);
      }
      const tool = (await catalogToolsFor(viewer)).find((candidate) => candidate.name === name);
      if (!tool) throw new UnknownToolError(`Unknown tool "${name}": see tools/list.`);
      return await callCatalogTool(viewer, tool, args);
    } catch (error) {
      if (error instanceof SwitchboardError) return failure(error, args);
      throw error;
    }
  }

  async function listConnections(viewer: Viewer, args: Record<string, unknown>): Promise<ToolResult> {
    const integration = optionalString(args, 'integration');
    const rows = await deps.prisma.connection.findMany({
      where: { ...visibleConnectionsWhere(viewer), ...(integration ? { integration: { slug: integration } } : {}) },
      include: { integration: { select: { slug: true, name: true } } },
      orderBy: [{ integrationId: 'asc' }, { name: 'asc' }],
      take: 200,
    });
    const connections = rows.map((row) => {
      // displayName and tags exist once connections carry them (scoped keys and tags, issue 23).
      const extra = row as unknown as { displayName?: unknown; tags?: unknown };
      return {
        integration: row.integration.slug,
        integrationName: row.integration.name,
        connection: row.name,
        ...(extra.displayName !== undefined ? { displayName: extra.displayName } : {}),
        status: row.status,
        ...(row.statusMessage ? { statusMessage: row.statusMessage } : {}),
        scopes: row.scopes,
        ...(extra.tags !== undefined ? { tags: extra.tags } : {}),
        shared: row.ownerId === null,
      };
    });
    const text = connections.length
      ? JSON.stringify({ connections })
      : JSON.stringify({ connections, note: 'The user has no connections yet: call connect with an integration to get a link for them.' });
    return { content: [{ type: 'text', text }], structuredContent: { connections } };
  }

  async function callApi(viewer: Viewer, args: Record<string, unknown>): Promise<ToolResult> {
    const integration = requiredString(args, 'integration');
    const path = requiredString(args, 'path');
    const method = (optionalString(args, 'method') ?? 'GET').toUpperCase();
    const query = args.query;
    if (query !== undefined && (typeof query !== 'object' || query === null || Array.isArray(query))) {
      throw ValidationError.field('query', 'query is an object of parameter names and values.');
    }
    const headers = args.headers;
    if (headers !== undefined && (typeof headers !== 'object' || headers === null || Array.isArray(headers))) {
      throw ValidationError.field('headers', 'headers is an object of header names and string values.');
    }
    const body = args.body;
    const url = withQuery(path, (query ?? {}) as Record<string, unknown>);
    const response = await deps.proxy.proxyRequest(viewer, {
      integration,
      connectionName: optionalString(args, 'connection') ?? 'default',
      method,
      url,
      headers: (headers ?? {}) as Record<string, unknown>,
      data: body !== undefined && body !== null && typeof body === 'object' ? body : undefined,
      body: typeof body === 'string' ? body : undefined,
      tool: 'call_api',
    });
    return answer(response);
  }

  async function connectLink(viewer: Viewer, args: Record<string, unknown>): Promise<ToolResult> {
    const reference = requiredString(args, 'integration');
    const connectionName = optionalString(args, 'connection') ?? 'default';
    const integration = await deps.integrations.find(reference);
    if (!integration || !mayConnectIntegration(viewer, integration)) {
      throw new NotFoundError(`No integration "${reference}" for this user: list_connections shows the integrations in use.`);
    }
    if (integration.isShared) throw ValidationError.field('integration', `"${integration.slug}" is shared: only an admin connects it, not the user.`);
    // A connect session for the user and this one integration (its token can only connect): what the hosted page takes.
    const created = await deps.createConnectSession(
      { userId: viewer.userId, isAdmin: false, via: viewer.via },
      { endUserId: viewer.userId, integrations: [integration.id], connectionName },
    );
    const url = `${created.connectUrl}&integration=${encodeURIComponent(integration.slug)}`;
    const result = { url, integration: integration.slug, connection: connectionName, expiresAt: created.expiresAt.toISOString() };
    return {
      content: [
        {
          type: 'text',
          text: `Ask the user to open this link to connect ${integration.name} (valid until ${result.expiresAt}): ${url}\nThen call list_connections: the connection "${connectionName}" appears with status HEALTHY once they are done.`,
        },
      ],
      structuredContent: result,
    };
  }

  async function callMcpTool(viewer: Viewer, args: Record<string, unknown>): Promise<ToolResult> {
    const reference = requiredString(args, 'integration');
    const name = requiredString(args, 'name');
    const toolArguments = args.arguments ?? {};
    if (typeof toolArguments !== 'object' || toolArguments === null || Array.isArray(toolArguments)) {
      throw ValidationError.field('arguments', 'arguments is an object.');
    }
    const integration = await deps.integrations.find(reference);
    if (!integration || !mayConnectIntegration(viewer, integration)) throw new NotFoundError(`No integration "${reference}".`);
    const result = await deps.remoteMcp.callTool(
      viewer,
      { integration: integration.id, mcpServerUrl: integration.mcpServerUrl, connectionName: optionalString(args, 'connection') ?? 'default' },
      name,
      toolArguments as Record<string, unknown>,
    );
    const content = Array.isArray(result.content) ? (result.content as ToolResult['content']) : [{ type: 'text' as const, text: JSON.stringify(result) }];
    return { content, ...(result.isError === true ? { isError: true } : {}) };
  }

  async function callCatalogTool(viewer: Viewer, tool: CatalogTool, args: Record<string, unknown>): Promise<ToolResult> {
    const { template } = tool;
    const problems = template.inputSchema.required
      .filter((name) => args[name] === undefined || args[name] === null || args[name] === '')
      .map((name) => ({ field: name, message: `${name} is required.` }));
    if (problems.length) throw new ValidationError(`Missing input: ${problems.map((problem) => problem.field).join(', ')}.`, problems);
    const path = template.path.replace(MCP_PATH_PARAMETER, (_match, name: string) => encodeURIComponent(scalar(args[name], name)));
    const query: Record<string, unknown> = {};
    for (const name of template.query) if (args[name] !== undefined && args[name] !== null) query[name] = args[name];
    let data: unknown;
    if (template.body.length) {
      const fields: Record<string, unknown> = {};
      for (const name of template.body) if (args[name] !== undefined && args[name] !== null) fields[name] = args[name];
      if (template.bodyEncoding === 'rfc822') data = { raw: Buffer.from(rfc822Message(fields)).toString('base64url') };
      else data = fields;
    }
    const response = await deps.proxy.proxyRequest(viewer, {
      integration: tool.integration.id,
      connectionName: optionalString(args, 'connection') ?? 'default',
      method: template.method,
      url: withQuery(path, query),
      data,
      tool: tool.name,
    });
    return answer(response);
  }

  /** The provider's answer for an agent: status, selected headers and the body, cut at MCP_MAX_RESULT_BYTES. */
  function answer(response: ProxyResponse): ToolResult {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) if (SELECTED_HEADERS.test(name)) headers[name] = value;
    let text = response.data !== null ? JSON.stringify(response.data) : (response.body ?? (response.bodyBase64 !== null ? response.bodyBase64 : ''));
    const result: Record<string, unknown> = { status: response.status, ok: response.ok, headers };
    const size = Buffer.byteLength(text);
    if (size > settings.maxResultBytes) {
      text = cutUtf8(text, settings.maxResultBytes);
      result.truncated = true;
      result.note = `The body (${size} bytes) was cut at ${settings.maxResultBytes} bytes (MCP_MAX_RESULT_BYTES): ask for less (a smaller page, filters or fields).`;
    }
    if (response.bodyBase64 !== null) result.bodyEncoding = 'base64';
    const parsedWhole = response.data !== null && result.truncated === undefined;
    result.body = parsedWhole ? response.data : text;
    return {
      content: [{ type: 'text', text: JSON.stringify(result) }],
      structuredContent: result,
      ...(response.ok ? {} : { isError: true }),
    };
  }

  return { listTools, callTool };
}

/** A typed error as a tool result: its code and message, and what to do when the user must connect. */
function failure(error: SwitchboardError, args: Record<string, unknown>): ToolResult {
  let message = error.message;
  const integration = typeof args.integration === 'string' ? args.integration : undefined;
  if (error instanceof NotFoundError && /^No (such )?connection\b/.test(message)) {
    const name = typeof args.connection === 'string' ? args.connection : 'default';
    message = integration
      ? `The user has no connection "${name}" to ${integration}: call the connect tool with integration "${integration}"${name === 'default' ? '' : ` and connection "${name}"`} and give the user the link it returns.`
      : 'The user has no such connection: call the connect tool and give the user the link it returns.';
  } else if (error instanceof ReauthorizationRequiredError) {
    message = `${message} Call the connect tool${integration ? ` with integration "${integration}"` : ''} and give the user the link, to connect again.`;
  }
  const structured: Record<string, unknown> = { code: error.code, message };
  if (error instanceof ValidationError && error.fieldErrors.length) structured.fieldErrors = error.fieldErrors;
  if ('retryAfterSeconds' in error && typeof error.retryAfterSeconds === 'number') structured.retryAfterSeconds = error.retryAfterSeconds;
  return { content: [{ type: 'text', text: `${error.code}: ${message}` }], structuredContent: structured, isError: true };
}

function requiredString(args: Record<string, unknown>, name: string): string {
  const value = args[name];
  if (typeof value !== 'string' || value === '') throw ValidationError.field(name, `${name} is required (a string).`);
  return value;
}

function optionalString(args: Record<string, unknown>, name: string): string | undefined {
  const value = args[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw ValidationError.field(name, `${name} is a string.`);
  return value;
}

function scalar(value: unknown, name: string): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw ValidationError.field(name, `${name} is a string, number or boolean.`);
}

/** `path` with the parameters added to its query (arrays as comma-separated lists). */
function withQuery(path: string, query: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    search.append(name, Array.isArray(value) ? value.map((item) => scalar(item, name)).join(',') : scalar(value, name));
  }
  const encoded = search.toString();
  if (!encoded) return path;
  return `${path}${path.includes('?') ? '&' : '?'}${encoded}`;
}

/** The first bytes of `text` that fit in `limit`, never splitting a character. */
function cutUtf8(text: string, limit: number): string {
  const bytes = Buffer.from(text);
  let end = limit;
  // Step back over continuation bytes (10xxxxxx) to a character's first byte.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/** A plain-text e-mail (RFC 5322, MIME): header values may not carry line breaks (no header injection). */
function rfc822Message(fields: Record<string, unknown>): string {
  const header = (name: string, key: string): string[] => {
    const value = fields[key];
    if (value === undefined) return [];
    const text = scalar(value, key);
    if (/[\r\n]/.test(text)) throw ValidationError.field(key, `${key} must be on one line.`);
    // Non-ASCII header text as an RFC 2047 encoded word.
    const encoded = /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;
    return [`${name}: ${encoded}`];
  };
  const lines = [
    ...header('To', 'to'),
    ...header('Cc', 'cc'),
    ...header('Bcc', 'bcc'),
    ...header('Subject', 'subject'),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    (
      Buffer.from(scalar(fields.text, 'text'))
        .toString('base64')
        .match(/.{1,76}/g) ?? []
    ).join('\r\n'),
  ];
  return lines.join('\r\n');
}
