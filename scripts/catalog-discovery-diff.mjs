#!/usr/bin/env node
// Compares catalog entries with the providers' published metadata: for every entry with an OpenID
// Connect issuer (or a `--metadata key=url` given by hand), fetches the discovery document
// (.well-known/openid-configuration, then .well-known/oauth-authorization-server) and prints where
// the entry and the document disagree: endpoints, PKCE, token endpoint authentication. Run by hand
// (`npm run catalog:diff [-- --only google,okta]`); it needs network access, so it is not part of CI.
// Templated issuers are filled with the entry's example or default values.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const catalogDir = path.join(here, '..', 'src', 'catalog');

/** Every catalog entry, as written (providers.yaml, then providers/*.yaml by name). */
export function readEntries(dir = catalogDir) {
  const extra = path.join(dir, 'providers');
  const files = [
    path.join(dir, 'providers.yaml'),
    ...fs
      .readdirSync(extra)
      .filter((name) => name.endsWith('.yaml'))
      .sort()
      .map((name) => path.join(extra, name)),
  ];
  return files.flatMap((file) => parse(fs.readFileSync(file, 'utf8')) ?? []);
}

/** A templated URL filled with the entry's example or default values; undefined when it needs metadata. */
export function filledUrl(entry, url) {
  if (!url || url.includes('${metadata.')) return undefined;
  const values = Object.fromEntries((entry.connectionConfig ?? []).map((field) => [field.name, field.example ?? field.default ?? field.values?.[0]]));
  return url.replace(/\$\{connectionConfig\.([A-Za-z0-9_]+)\}/g, (_match, name) => values[name] ?? name);
}

const normalized = (url) => (url ? url.replace(/\/+$/, '') : url);

/**
 * Where an entry and a provider's metadata document disagree: one line per difference, empty when
 * they agree. Only what both sides state is compared (an entry may leave an endpoint to discovery).
 */
export function differences(entry, metadata) {
  const found = [];
  const compare = (label, ours, theirs) => {
    const mine = normalized(filledUrl(entry, ours));
    if (mine && theirs && mine !== normalized(theirs)) found.push(`${label}: catalog ${mine}, provider ${theirs}`);
  };
  if (entry.issuer && metadata.issuer) compare('issuer', entry.issuer, metadata.issuer);
  compare('authorizationUrl', entry.authorizationUrl, metadata.authorization_endpoint);
  compare('tokenUrl', entry.tokenUrl, metadata.token_endpoint);
  compare('revocationUrl', entry.revocationUrl, metadata.revocation_endpoint);
  compare('userinfoUrl', entry.userinfoUrl, metadata.userinfo_endpoint);
  if (!entry.revocationUrl && metadata.revocation_endpoint) found.push(`revocationUrl: missing, provider publishes ${metadata.revocation_endpoint}`);
  const methods = metadata.code_challenge_methods_supported;
  const pkce = entry.pkce ?? 'supported';
  if (Array.isArray(methods) && methods.includes('S256') && pkce === 'unsupported') found.push('pkce: catalog unsupported, provider advertises S256');
  if (Array.isArray(methods) && !methods.includes('S256') && pkce !== 'unsupported')
    found.push(`pkce: catalog ${pkce}, provider advertises ${methods.join(', ') || 'none'}`);
  const auth = metadata.token_endpoint_auth_methods_supported;
  const ours = entry.tokenEndpointAuthMethod ?? 'client_secret_basic';
  if (Array.isArray(auth) && auth.length && !auth.includes(ours)) found.push(`tokenEndpointAuthMethod: catalog ${ours}, provider supports ${auth.join(', ')}`);
  const scopes = metadata.scopes_supported;
  if (Array.isArray(scopes) && scopes.length) {
    const unknown = (entry.scopes ?? []).filter((scope) => !scopes.includes(scope) && !scope.startsWith('http'));
    if (unknown.length) found.push(`scopes: ${unknown.join(', ')} not in the provider's scopes_supported`);
  }
  return found;
}

/** The provider's metadata: the OpenID configuration, else the RFC 8414 document. */
export async function fetchMetadata(issuer, { timeoutMs = 10_000, fetchImpl = fetch } = {}) {
  const base = issuer.replace(/\/+$/, '');
  const { origin, pathname } = new URL(base);
  const candidates = [`${base}/.well-known/openid-configuration`, `${origin}/.well-known/oauth-authorization-server${pathname === '/' ? '' : pathname}`];
  for (const url of candidates) {
    try {
      const response = await fetchImpl(url, { redirect: 'error', signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
      if (response.ok) return { url, metadata: await response.json() };
    } catch {
      // The next candidate, then "not found".
    }
  }
  return undefined;
}

function parseArgs(argv) {
  const options = { only: undefined, metadata: new Map() };
  for (let index = 0; index < argv.length; index++) {
    if (argv[index] === '--only') options.only = new Set(argv[++index].split(','));
    else if (argv[index] === '--metadata') {
      const [key, url] = argv[++index].split('=');
      options.metadata.set(key, url);
    }
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const entries = readEntries().filter((entry) => (!options.only || options.only.has(entry.key)) && (entry.issuer || options.metadata.has(entry.key)));
  let differing = 0;
  let unreachable = 0;
  for (const entry of entries) {
    const given = options.metadata.get(entry.key);
    const found = given
      ? await fetch(given, { redirect: 'error', signal: AbortSignal.timeout(10_000) })
          .then(async (response) => (response.ok ? { url: given, metadata: await response.json() } : undefined))
          .catch(() => undefined)
      : await fetchMetadata(filledUrl(entry, entry.issuer));
    if (!found) {
      unreachable++;
      console.log(`${entry.key}: no metadata document (${given ?? filledUrl(entry, entry.issuer)})`);
      continue;
    }
    const lines = differences(entry, found.metadata);
    if (lines.length) differing++;
    console.log(lines.length ? `${entry.key} (${found.url}):\n  ${lines.join('\n  ')}` : `${entry.key}: agrees with ${found.url}`);
  }
  console.log(`\n${entries.length} entries with metadata, ${differing} differ, ${unreachable} without a document.`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
