// Which webhooks an integration receives and how they are checked: the integration's own declaration
// (an admin's providerWebhooks, e.g. a generic HMAC for a custom provider), else its catalog template's.
import { providerWebhooksOf } from '../../domain/webhook-routing.js';
import type { Integration } from '../../domain/integrations.js';

export { providerWebhooksOf };

/** The path of the inbound route, under PROVIDER_WEBHOOK_BASE_URL (or PUBLIC_URL). */
export const PROVIDER_WEBHOOK_PREFIX = '/webhooks/providers/';

/** Where the provider must send this integration's webhooks; undefined when it sends none. */
export function providerWebhookUrl(baseUrl: string, integration: Pick<Integration, 'settings' | 'slug'>): string | undefined {
  return providerWebhooksOf(integration) ? `${baseUrl}${PROVIDER_WEBHOOK_PREFIX}${encodeURIComponent(integration.slug)}` : undefined;
}
