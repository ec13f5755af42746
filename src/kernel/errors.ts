// Typed failures that domain modules throw and the API returns as data (see src/schema/errors.ts).
// Messages are written for API users and never contain secrets.

export type ErrorCode =
  'NOT_FOUND' | 'FORBIDDEN' | 'VALIDATION' | 'PROVIDER_ERROR' | 'REAUTHORIZATION_REQUIRED' | 'RATE_LIMITED' | 'UPSTREAM_UNAVAILABLE' | 'QUOTA_EXCEEDED';

export abstract class SwitchboardError extends Error {
  abstract readonly code: ErrorCode;
}

export class NotFoundError extends SwitchboardError {
  override name = 'NotFoundError';
  readonly code = 'NOT_FOUND';
}

export class ForbiddenError extends SwitchboardError {
  override name = 'ForbiddenError';
  readonly code = 'FORBIDDEN';
}

export interface FieldError {
  field: string;
  message: string;
}

export class ValidationError extends SwitchboardError {
  override name = 'ValidationError';
  readonly code = 'VALIDATION';
  constructor(
    message: string,
    readonly fieldErrors: FieldError[] = [],
  ) {
    super(message);
  }

  static field(field: string, message: string): ValidationError {
    return new ValidationError(message, [{ field, message }]);
  }
}

export interface ProviderErrorDetails {
  providerStatus?: number;
  providerError?: string;
  providerErrorDescription?: string;
  /** When a retry may succeed (the refresh cooldown, a provider being probed). */
  retryAfterSeconds?: number;
}

/** The provider answered with an OAuth error or an unusable response. */
export class ProviderError extends SwitchboardError {
  override name = 'ProviderError';
  readonly code = 'PROVIDER_ERROR';
  constructor(
    message: string,
    readonly details: ProviderErrorDetails = {},
  ) {
    super(message);
  }
}

export class ReauthorizationRequiredError extends SwitchboardError {
  override name = 'ReauthorizationRequiredError';
  readonly code = 'REAUTHORIZATION_REQUIRED';
  constructor(
    message: string,
    readonly connectionId?: string,
  ) {
    super(message);
  }
}

export class RateLimitedError extends SwitchboardError {
  override name = 'RateLimitedError';
  readonly code = 'RATE_LIMITED';
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export class UpstreamUnavailableError extends SwitchboardError {
  override name = 'UpstreamUnavailableError';
  readonly code = 'UPSTREAM_UNAVAILABLE';
}

/** A per-user cap was reached (pending authorizations, open subscriptions); finish or close some first. */
export class QuotaExceededError extends SwitchboardError {
  override name = 'QuotaExceededError';
  readonly code = 'QUOTA_EXCEEDED';
  constructor(
    message: string,
    readonly limit: number,
  ) {
    super(message);
  }
}

/** An error's message for users and the activity log: our typed errors' messages are written for them; anything else is named only. */
export function publicMessageOf(error: unknown): string {
  if (error instanceof SwitchboardError) return error.message;
  return error instanceof Error ? error.name : 'Unknown error';
}

/** The request carried credentials that are missing, malformed, expired or unknown (HTTP 401, code UNAUTHENTICATED). */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
  /** Why, for clients that act on it (e.g. RESERVED_USER_ID); the code stays UNAUTHENTICATED. */
  constructor(
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}
