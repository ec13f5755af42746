// The connected account, as the provider describes it: the catalog entry's `identity` names where its
// id and display name are (the verify answer, the token response, the ID token's claims, or the
// userinfo answer). Read at connect time and at every credential check that reads that answer; a
// display name the app set with updateConnection is never overwritten (see identityFields).
import { providerTemplate, type ProviderTemplate } from '../catalog/index.js';
import type { ConnectionIdentity, StoredCredentials } from '../domain/connections.js';
import { integrationSettings, type Integration } from '../domain/integrations.js';
import type { ConnectionConfig } from '../provider/templates.js';
import { valueAt } from '../provider/templates.js';
import { runCredentialCheck, userinfoCheckFor, verifyCheckFor, type CheckDeps } from './check.js';

export type IdentitySettings = NonNullable<ProviderTemplate['identity']>;
export type IdentitySource = IdentitySettings['from'];

/** Longest display name kept (as updateConnection allows). */
const MAX_DISPLAY_NAME = 200;
/** Longest provider account id kept. */
const MAX_ACCOUNT_ID = 255;

/**
 * Where the integration finds the connected account: its own settings (copied from the catalog
 * entry at creation), else the catalog entry's current declaration (integrations created before
 * entries declared one).
 */
export function identitySettingsOf(integration: Pick<Integration, 'settings'>): IdentitySettings | undefined {
  const settings = integrationSettings(integration);
  if (settings.identity) return settings.identity;
  return settings.template ? providerTemplate(settings.template)?.identity : undefined;
}

/** A string or number at `path`, as text of at most `max` characters; undefined otherwise. */
function textAt(answer: unknown, path: string | undefined, max: number): string | undefined {
  if (path === undefined) return undefined;
  const value = valueAt(answer, path);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text ? text.slice(0, max) : undefined;
}

/** The identity read from one of the provider's answers, or null when `source` is not where it is or it holds neither. */
export function identityFromAnswer(integration: Pick<Integration, 'settings'>, source: IdentitySource, answer: unknown): ConnectionIdentity | null {
  const settings = identitySettingsOf(integration);
  if (!settings || settings.from !== source || answer === undefined || answer === null) return null;
  const identity: ConnectionIdentity = {};
  const accountId = textAt(answer, settings.id, MAX_ACCOUNT_ID);
  const displayName = textAt(answer, settings.displayName, MAX_DISPLAY_NAME);
  if (accountId !== undefined) identity.accountId = accountId;
  if (displayName !== undefined) identity.displayName = displayName;
  return Object.keys(identity).length ? identity : null;
}

/**
 * After a connect whose answers did not carry the identity (it is in the verify or userinfo answer):
 * one request for it. Never fails the connect: a provider that does not answer leaves no name.
 */
export async function fetchIdentity(
  deps: CheckDeps,
  integration: Integration,
  credentials: StoredCredentials,
  connection: { apiBaseUrl: string | null; connectionConfig: ConnectionConfig },
): Promise<ConnectionIdentity | null> {
  const source = identitySettingsOf(integration)?.from;
  if (source !== 'verify' && source !== 'userinfo') return null;
  try {
    const check = source === 'verify' ? verifyCheckFor(deps, integration, connection) : await userinfoCheckFor(deps, integration, connection);
    if (!check) return null;
    const result = await runCredentialCheck(deps, check, credentials, integration, { readAnswer: true });
    return result.verdict === 'accepted' ? identityFromAnswer(integration, source, result.answer) : null;
  } catch {
    return null;
  }
}
