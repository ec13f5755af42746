// @switchboard/node: Switchboard from a Node backend.
export {
  Switchboard,
  type Connection,
  type ConnectSession,
  type Integration,
  type ListConnectionsOptions,
  type Page,
  type ProxyRequest,
  type ProxyResponse,
  type SwitchboardOptions,
} from './client.js';
export {
  ForbiddenError,
  NotFoundError,
  ProviderError,
  QuotaExceededError,
  RateLimitedError,
  ReauthorizationRequiredError,
  SwitchboardError,
  UpstreamUnavailableError,
  ValidationError,
  type ErrorCode,
} from './errors.js';
export { signWebhook, verifyWebhook, WebhookVerificationError, type VerifyWebhookOptions, type WebhookEvent } from './webhooks.js';
