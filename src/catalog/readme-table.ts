// The provider table of docs/providers.md, generated from the catalog (`npm run catalog:readme` writes
// it between the markers; a test checks that the page is current).
import type { ProviderTemplate } from './schema.js';

export const TABLE_START = '<!-- providers-table:start (generated from src/catalog by `npm run catalog:readme`: do not edit by hand) -->';
export const TABLE_END = '<!-- providers-table:end -->';

const AUTH_LABELS: Record<string, string> = {
  OAUTH2: 'OAuth 2.0',
  API_KEY: 'API key',
  BASIC: 'Basic',
  OAUTH2_CLIENT_CREDENTIALS: 'OAuth 2.0 client credentials',
  JWT_BEARER: 'JWT bearer',
  GITHUB_APP: 'GitHub App',
  OAUTH1: 'OAuth 1.0a',
  SELF_SIGNED_JWT: 'Self-signed JWT',
  TWO_STEP: 'Two-step token request',
};

function authLabel(template: ProviderTemplate): string {
  const label = AUTH_LABELS[template.authType] ?? template.authType;
  if (template.authType === 'OAUTH2' && template.issuer) return `${label} / OIDC`;
  if (template.tokenEndpointAuthMethod === 'private_key_jwt') return `${label} (private_key_jwt)`;
  if (template.signatureMethod === 'HMAC-SHA256') return `${label} (HMAC-SHA256)`;
  return label;
}

function code(text: string): string {
  return `\`${text}\``;
}

function userSupplies(template: ProviderTemplate): string {
  if (!template.connectionConfig.length) return '—';
  return template.connectionConfig
    .map((field) => (field.default !== undefined ? `${code(field.name)} (default ${field.default})` : code(field.name)))
    .join(', ');
}

/** What the template handles beyond plain OAuth 2.0 / a bearer credential, in words. */
export function quirks(template: ProviderTemplate): string[] {
  const found: string[] = [];
  const oauth = template.authType === 'OAUTH2';
  if (oauth && template.scopeSeparator !== ' ') found.push(`scopes joined by "${template.scopeSeparator}"`);
  if (oauth && template.pkce === 'required') found.push('PKCE required');
  if (oauth && template.pkce === 'unsupported') found.push('no PKCE');
  if (oauth && template.tokenRequestFormat === 'json') found.push('JSON token requests');
  if (template.refreshTokenUrl) found.push('separate refresh URL');
  const kept = Object.keys(template.metadataFromTokenResponse);
  if (kept.length) found.push(`keeps ${kept.join(', ')}`);
  if (template.metadataFromCallback.length) found.push(`keeps ${template.metadataFromCallback.join(', ')} from the callback`);
  if (template.postConnect) found.push(`fetches ${template.postConnect.metadataKey} after connecting`);
  if (oauth && !template.refresh.expiringTokens) found.push('tokens do not expire');
  if (oauth && template.refresh.rotating) found.push('rotating refresh tokens');
  const { authHeader, authPrefix, authQueryParam, rateLimitRemainingHeader } = template.proxy;
  const credential = oauth ? 'token' : 'key';
  if (template.authType !== 'BASIC') {
    if (authQueryParam) found.push(`${credential} in the ${authQueryParam} query parameter`);
    else if (authHeader && authHeader.toLowerCase() !== 'authorization')
      found.push(`${credential} in ${authHeader}${authPrefix ? ` as "${authPrefix}…"` : ''}`);
    else if (authPrefix === '') found.push(`${credential} without "Bearer"`);
    else if (authPrefix !== undefined && authPrefix !== 'Bearer ') found.push(`${credential} as "${authPrefix}…"`);
  }
  if (rateLimitRemainingHeader) found.push(`rate limits from ${rateLimitRemainingHeader}`);
  return found;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The table, with a one-line summary, sorted by key. */
export function providerTable(templates: ProviderTemplate[]): string {
  const sorted = [...templates].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const counts = new Map<string, number>();
  for (const template of sorted) counts.set(authLabel(template).replace(' / OIDC', ''), (counts.get(authLabel(template).replace(' / OIDC', '')) ?? 0) + 1);
  const summary = `${sorted.length} providers: ${[...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([label, count]) => `${count} ${label}`)
    .join(', ')}.`;
  const rows = sorted.map((template) => {
    const found = quirks(template);
    return `| ${code(template.key)} | ${cell(template.name)} | ${authLabel(template)} | ${userSupplies(template)} | ${cell(found.length ? found.join('; ') : '—')} |`;
  });
  return [summary, '', '| key | provider | auth | user supplies | quirks handled |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** The page with the table between the markers replaced; an error if the markers are missing. */
export function withProviderTable(readme: string, templates: ProviderTemplate[]): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`The page needs the markers ${TABLE_START} and ${TABLE_END}.`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${providerTable(templates)}\n${readme.slice(end)}`;
}
