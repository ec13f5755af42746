// Which webhooks an integration receives and how they are checked: the integration's own declaration
// (an admin's providerWebhooks, e.g. a generic HMAC for a custom provider), else its catalog template's.
import { providerTemplate } from '../../catalog/index.js';
import { providerWebhooksSchema, type ProviderWebhooksDeclaration } from '../../catalog/schema.js';
import { integrationSettings, type Integration } from '../../domain/integrations.js';

/** The path of the inbound route, under PROVIDER_WEBHOOK_BASE_URL (or PUBLIC_URL). */
export const PROVIDER_WEBHOOK_PREFIX = '/webhooks/providers/';

export function providerWebhooksOf(integration: Pick<Integration, 'settings'>): ProviderWebhooksDeclaration | undefined {
  const settings = integrationSettings(integration) as { providerWebhooks?: unknown; template?: string };
  if (settings.providerWebhooks) {
    const parsed = providerWebhooksSchema.safeParse(settings.providerWebhooks);
    if (parsed.success) return parsed.data;
  }
  return settings.template ? providerTemplate(settings.template)?.providerWebhooks : undefined;
}

/** Where the provider must send this integration's webhooks; undefined when it sends none. */
export function providerWebhookUrl(baseUrl: string, integration: Pick<Integration, 'settings' | 'slug'>): string | undefined {
  return providerWebhooksOf(integration) ? `${baseUrl}${PROVIDER_WEBHOOK_PREFIX}${encodeURIComponent(integration.slug)}` : undefined;
}
