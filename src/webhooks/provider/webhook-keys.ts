// A received webhook's routing keys: for each route of its integration's declaration, the values found
// at the route's `from` (a header kept for forwarding, or a path into the body), as "route target=value",
// the form Connection.routingKeys holds. Read at receipt and stored with the webhook, so the forwarding
// round matches webhooks to connections in SQL (an index lookup), without reading payloads.
import type { ProviderWebhooksDeclaration } from '../../catalog/schema.js';
import { ROUTING_VALUE_MAX, routingKey } from '../../domain/webhook-routing.js';
import { valuesAt } from './values.js';

/**
 * The routing keys of a webhook, sorted. `headers` are the headers kept (forwardHeaders): the header
 * a route reads must be among them, as a forwarded message carries its routing evidence.
 */
export function webhookRoutingKeys(
  declaration: ProviderWebhooksDeclaration | undefined,
  webhook: { headers: Record<string, string>; payload: unknown },
): string[] {
  const keys = new Set<string>();
  for (const route of declaration?.route ?? []) {
    for (const found of valuesAt({ headers: webhook.headers, body: webhook.payload }, route.from)) {
      const value = route.stripSuffix && found.endsWith(route.stripSuffix) ? found.slice(0, -route.stripSuffix.length) : found;
      if (value.length > 0 && value.length <= ROUTING_VALUE_MAX) keys.add(routingKey(route.to, value));
    }
  }
  return [...keys].sort();
}
