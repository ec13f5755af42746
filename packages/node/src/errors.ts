// The result unions' error members as thrown errors: one class per __typename, each with the
// server's `code`, so callers can `catch (e) { if (e instanceof RateLimitedError) … }` or switch on e.code.
import type { ErrorCode } from './generated/graphql.js';

export type { ErrorCode };

/** Any error Switchboard answered with: a member of a result union, or a GraphQL / HTTP error. */
export class SwitchboardError extends Error {
  override name = 'SwitchboardError';
  constructor(
    message: string,
    /** The server's error code: an `ErrorCode` for result-union errors, `extensions.code` for GraphQL errors. */
    readonly code: ErrorCode | (string & {}),
    /** The GraphQL type of the error (`RateLimitedError`, …), or `GraphQLError` / `HttpError`. */
    readonly typename: string,
    /** What the server sent beside code and message (fieldErrors, retryAfterSeconds, …). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export class ValidationError extends SwitchboardError {
  override name = 'ValidationError';
  get fieldErrors(): Array<{ field: string; message: string }> {
    return (this.details.fieldErrors as Array<{ field: string; message: string }> | undefined) ?? [];
  }
}
export class NotFoundError extends SwitchboardError {
  override name = 'NotFoundError';
}
export class ForbiddenError extends SwitchboardError {
  override name = 'ForbiddenError';
}
export class QuotaExceededError extends SwitchboardError {
  override name = 'QuotaExceededError';
}
export class RateLimitedError extends SwitchboardError {
  override name = 'RateLimitedError';
  get retryAfterSeconds(): number | null {
    return (this.details.retryAfterSeconds as number | null | undefined) ?? null;
  }
}
export class ProviderError extends SwitchboardError {
  override name = 'ProviderError';
  get providerStatus(): number | null {
    return (this.details.providerStatus as number | null | undefined) ?? null;
  }
  get retryAfterSeconds(): number | null {
    return (this.details.retryAfterSeconds as number | null | undefined) ?? null;
  }
}
export class ReauthorizationRequiredError extends SwitchboardError {
  override name = 'ReauthorizationRequiredError';
  /** The connection to send the user back through a connect session (reconnect purpose). */
  get connectionId(): string | null {
    return (this.details.reauthorizeConnection as { id: string } | null | undefined)?.id ?? null;
  }
}
export class UpstreamUnavailableError extends SwitchboardError {
  override name = 'UpstreamUnavailableError';
}

const CLASSES: Record<string, typeof SwitchboardError> = {
  ValidationError,
  NotFoundError,
  ForbiddenError,
  QuotaExceededError,
  RateLimitedError,
  ProviderError,
  ReauthorizationRequiredError,
  UpstreamUnavailableError,
};

/** The typed error for a result-union member `{ __typename, code, message, … }`. */
export function errorFromResult(result: { __typename: string; code: string; message: string } & Record<string, unknown>): SwitchboardError {
  const { __typename, code, message, ...details } = result;
  const ErrorClass = CLASSES[__typename] ?? SwitchboardError;
  return new ErrorClass(message, code, __typename, details);
}
