// Which provider webhooks an integration receives (its declaration) and the routing keys of a
// connection: "route target=value" for each routing target of the declaration found in the connection's
// metadata. Written with the metadata (connect, import, updateConnection), so a webhook finds its
// connections by the keys' index instead of reading every connection's metadata.
import { providerTemplate } from '../catalog/index.js';
import { providerWebhooksSchema, type ProviderWebhooksDeclaration } from '../catalog/schema.js';
import { integrationSettings, type Integration } from './integrations.js';

/** The integration's own declaration (an admin's providerWebhooks), else its catalog template's. */
export function providerWebhooksOf(integration: Pick<Integration, 'settings'>): ProviderWebhooksDeclaration | undefined {
  const settings = integrationSettings(integration) as { providerWebhooks?: unknown; template?: string };
  if (settings.providerWebhooks) {
    const parsed = providerWebhooksSchema.safeParse(settings.providerWebhooks);
    if (parsed.success) return parsed.data;
  }
  return settings.template ? providerTemplate(settings.template)?.providerWebhooks : undefined;
}

/** Where in the connection's metadata a route's target is: `connectionConfig.x` is metadata.connectionConfig.x. */
function metadataPathOf(to: string): string[] {
  const [root, ...rest] = to.split('.');
  return root === 'connectionConfig' ? ['connectionConfig', ...rest] : rest;
}

/** The longest routing value kept (and looked up). */
export const ROUTING_VALUE_MAX = 500;

export function routingKey(to: string, value: string): string {
  return `${to}=${value}`;
}

/** The connection's routing keys for its integration's declaration, sorted (none when it receives no webhooks). */
export function routingKeysOf(integration: Pick<Integration, 'settings'>, metadata: unknown): string[] {
  const keys = new Set<string>();
  for (const route of providerWebhooksOf(integration)?.route ?? []) {
    let value: unknown = metadata;
    for (const step of metadataPathOf(route.to)) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[step] : undefined;
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    const text = String(value);
    if (text.length > 0 && text.length <= ROUTING_VALUE_MAX) keys.add(routingKey(route.to, text));
  }
  return [...keys].sort();
}

/**
 * What an integration's routing keys depend on: its routes' targets (sorted, as JSON), null when it
 * routes nothing. Integration.routingKeysFor holds it for the keys its connections have now.
 */
export function routingTargetsOf(integration: Pick<Integration, 'settings'>): string | null {
  const targets = [...new Set((providerWebhooksOf(integration)?.route ?? []).map((route) => route.to))].sort();
  return targets.length ? JSON.stringify(targets) : null;
}
