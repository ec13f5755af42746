// Filling templated provider URLs: ${connectionConfig.x} from what the user gave when connecting,
// ${metadata.path} from what the provider returned. Every filled URL is checked again as a provider
// URL (https on a public host), since the values come from users and providers.
import { config } from '../config.js';
import { integrationSettings, providerUrlProblem, type Integration } from '../domain/integrations.js';
import { ValidationError, type FieldError } from '../errors.js';
import { CONNECTION_CONFIG_PLACEHOLDER, METADATA_PLACEHOLDER } from '../catalog/schema.js';

export type ConnectionConfig = Record<string, string>;

/** Values are host labels or domains: they cannot change a URL's shape (no slashes, @, ports or queries). */
const CONFIG_VALUE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;

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

/** fillUrl, then the provider-URL rules on the result (SSRF: a user-given host must be public). */
export function fillProviderUrl(template: string, values: { connectionConfig?: ConnectionConfig; metadata?: Record<string, unknown> }, field: string): string {
  const filled = fillUrl(template, values);
  if (isTemplated(template)) {
    const problem = providerUrlProblem(filled);
    if (problem) throw ValidationError.field(field, `${field} ${problem}`);
  }
  return filled;
}

/**
 * The connection config for a connect request: the integration's declared values with their defaults,
 * checked; undeclared names are refused when the integration declares any.
 */
export function connectionConfigFor(integration: Pick<Integration, 'settings'>, input: Record<string, unknown> | null | undefined): ConnectionConfig {
  const declared = integrationSettings(integration).connectionConfig ?? [];
  const problems: FieldError[] = [];
  const result: ConnectionConfig = {};
  for (const field of declared) if (field.default !== undefined) result[field.name] = field.default;
  for (const [key, value] of Object.entries(input ?? {})) {
    if (declared.length && !declared.some((field) => field.name === key)) {
      problems.push({ field: `connectionConfig.${key}`, message: `This integration takes ${declared.map((field) => field.name).join(', ')}.` });
    } else if (typeof value !== 'string' || !CONFIG_VALUE_PATTERN.test(value)) {
      problems.push({ field: `connectionConfig.${key}`, message: 'Values are host names or labels: letters, digits, dots and hyphens.' });
    } else {
      result[key] = value;
    }
  }
  for (const field of declared) {
    if (result[field.name] === undefined) problems.push({ field: `connectionConfig.${field.name}`, message: `connectionConfig.${field.name} is required: ${field.description}.` });
  }
  if (problems.length) throw new ValidationError('The connection config is not valid.', problems);
  return result;
}

/** The connection config a stored connection was made with. */
export function connectionConfigOf(connection: { metadata: unknown }): ConnectionConfig {
  const value = valueAt(connection.metadata, 'connectionConfig');
  return value && typeof value === 'object' ? (value as ConnectionConfig) : {};
}
