// Filling templated provider URLs: ${connectionConfig.x} from what the user gave when connecting (or
// an admin fixed on the integration), ${metadata.path} from what the provider returned. The one place
// where connection config values are judged: startConnect, createConnection, and every later use of
// stored values (the callback, refresh, revocation, the API base URL) go through checkedConnectionConfig
// and fillProviderUrl, so no client secret goes to a host that an admin or the catalog did not fix.
import { connectionConfigFields, integrationSettings, providerUrlProblem, type Integration, type UrlPolicy } from '../domain/integrations.js';
import { ValidationError, type FieldError } from '../kernel/errors.js';
import {
  CONNECTION_CONFIG_PLACEHOLDER,
  connectionValueProblem,
  METADATA_PLACEHOLDER,
  placeholderPlacementProblems,
  type ConnectionConfigField,
} from '../catalog/schema.js';

export type ConnectionConfig = Record<string, string>;
export { connectionConfigFields };

/** connectionValueProblem (the catalog's rules), and a host value must be a public host. */
function connectionConfigValueProblem(
  field: Pick<ConnectionConfigField, 'kind' | 'hosts' | 'values'> | undefined,
  value: unknown,
  urls: UrlPolicy,
  byAdmin = false,
): string | undefined {
  const problem = connectionValueProblem(field, value, byAdmin);
  if (problem || field?.kind !== 'host') return problem;
  const hostProblem = providerUrlProblem(`https://${value as string}/`, urls);
  return hostProblem ? `must be a public host: https://${value as string}/ ${hostProblem}` : undefined;
}

/**
 * The connection config to use: declared defaults, then the integration's admin-set values (which
 * always win), then the given values, each judged by its field (kind, host patterns, who may set it).
 * `source: 'user'` refuses a value that differs from an admin's or that only an admin may set;
 * `'stored'` (a value saved earlier) is judged by the same rules and gives way to the admin's values.
 * Undeclared names are refused when the integration declares any (and judged as labels otherwise).
 */
export function checkedConnectionConfig(
  integration: Pick<Integration, 'settings'>,
  input: Record<string, unknown> | null | undefined,
  urls: UrlPolicy,
  options: { source: 'user' | 'stored'; fieldPrefix?: string } = { source: 'user' },
): ConnectionConfig {
  const prefix = options.fieldPrefix ?? 'connectionConfig';
  const declared = connectionConfigFields(integration);
  const fixed = integrationSettings(integration).fixedConnectionConfig ?? {};
  const problems: FieldError[] = [];
  const result: ConnectionConfig = {};
  for (const field of declared) if (field.default !== undefined) result[field.name] = field.default;
  for (const [key, value] of Object.entries(input ?? {})) {
    const field = declared.find((candidate) => candidate.name === key);
    const fail = (message: string) => problems.push({ field: `${prefix}.${key}`, message: `${key} ${message}` });
    if (declared.length && !field) {
      problems.push({ field: `${prefix}.${key}`, message: `This integration takes ${declared.map((candidate) => candidate.name).join(', ')}.` });
    } else if (fixed[key] !== undefined) {
      if (options.source === 'user' && value !== fixed[key]) fail('is set by an admin on this integration.');
    } else if (field?.setBy === 'admin' && field.default !== undefined && value === field.default) {
      // The declared default, filled in when the connection was made and stored with it.
      result[key] = field.default;
    } else if (field?.setBy === 'admin') {
      fail('is set by an admin on the integration (createIntegration connectionConfig), not when connecting.');
    } else {
      const problem = connectionConfigValueProblem(field, value, urls);
      if (problem) fail(problem);
      else result[key] = value as string;
    }
  }
  Object.assign(result, fixed);
  const judged = new Set(problems.map((problem) => problem.field));
  for (const field of declared) {
    if (result[field.name] !== undefined || judged.has(`${prefix}.${field.name}`)) continue;
    const who = field.setBy === 'admin' ? ' (set by an admin on the integration)' : '';
    problems.push({ field: `${prefix}.${field.name}`, message: `${prefix}.${field.name} is required${who}: ${field.description}.` });
  }
  if (problems.length) throw new ValidationError('The connection config is not valid.', problems);
  return result;
}

/**
 * Values the provider's callback sets (fields with `fromCallback`: Zoho's `accounts-server`): the
 * parameter's host, judged as a user's value would be (a listed choice, or a host within the field's
 * patterns), unless an admin fixed the field. A refused value is a ValidationError; an absent one
 * keeps what the user chose when starting.
 */
export function connectionConfigFromCallback(integration: Pick<Integration, 'settings'>, given: ConnectionConfig, query: URLSearchParams): ConnectionConfig {
  const fixed = integrationSettings(integration).fixedConnectionConfig ?? {};
  const result = { ...given };
  for (const field of connectionConfigFields(integration)) {
    const raw = field.fromCallback ? query.get(field.fromCallback) : null;
    if (raw === null || fixed[field.name] !== undefined) continue;
    let host: string;
    try {
      const url = new URL(raw.includes('://') ? raw : `https://${raw}`);
      if (url.protocol !== 'https:' || url.username || url.password || url.port || !['', '/'].includes(url.pathname) || url.search)
        throw new Error('not a host');
      host = url.hostname;
    } catch {
      throw ValidationError.field(`connectionConfig.${field.name}`, `The provider's ${field.fromCallback} is not a host of this provider.`);
    }
    const problem = connectionValueProblem(field, host);
    if (problem) throw ValidationError.field(`connectionConfig.${field.name}`, `The provider's ${field.fromCallback} ${problem}`);
    result[field.name] = host;
  }
  return result;
}

/** A dotted path into a JSON value: "team.id". */
export function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function isTemplated(url: string | null | undefined): boolean {
  return Boolean(url && url.includes('${'));
}

/** Fills a URL template; a missing value is a ValidationError naming it. */
export function fillUrl(template: string, values: { connectionConfig?: ConnectionConfig; metadata?: Record<string, unknown> }): string {
  const filled = template
    .replace(CONNECTION_CONFIG_PLACEHOLDER, (_match, name: string) => {
      const value = values.connectionConfig?.[name];
      if (value === undefined) throw ValidationError.field(`connectionConfig.${name}`, `connectionConfig.${name} is required by this integration.`);
      return value;
    })
    .replace(METADATA_PLACEHOLDER, (_match, path: string) => {
      const value = valueAt(values.metadata, path);
      if (typeof value !== 'string' || !value) throw ValidationError.field(`metadata.${path}`, `The provider did not return ${path}.`);
      return value.replace(/\/+$/, '');
    });
  return filled;
}

/**
 * fillUrl, then the provider-URL rules on the result (SSRF: a user-given host must be public). The
 * placeholders must sit where their kinds allow (checked here too for templates an admin wrote), and
 * `connectionConfig` should come from checkedConnectionConfig.
 */
export function fillProviderUrl(
  template: string,
  values: { connectionConfig?: ConnectionConfig; metadata?: Record<string, unknown> },
  field: string,
  urls: UrlPolicy,
  fields: readonly ConnectionConfigField[] = [],
): string {
  const placement = placeholderPlacementProblems(template, fields);
  if (placement.length) throw ValidationError.field(field, `${field}: ${placement.join('; ')}.`);
  const filled = fillUrl(template, values);
  if (isTemplated(template)) {
    const problem = providerUrlProblem(filled, urls);
    if (problem) throw ValidationError.field(field, `${field} ${problem}`);
  }
  return filled;
}

/** The connection config for a connect request (startConnect): checkedConnectionConfig of what the user gave. */
export function connectionConfigFor(
  integration: Pick<Integration, 'settings'>,
  input: Record<string, unknown> | null | undefined,
  urls: UrlPolicy,
): ConnectionConfig {
  return checkedConnectionConfig(integration, input, urls, { source: 'user' });
}

/** The connection config a stored connection was made with. */
export function connectionConfigOf(connection: { metadata: unknown }): ConnectionConfig {
  // Read directly rather than through valueAt: every proxied call asks.
  const { metadata } = connection;
  const value = metadata !== null && typeof metadata === 'object' ? (metadata as { connectionConfig?: unknown }).connectionConfig : undefined;
  return value && typeof value === 'object' ? (value as ConnectionConfig) : {};
}
