// The Error interface and the typed errors that mutations return as data.
import { builder } from '../builder.js';
import { visibleConnectionsWhere } from '../../domain/access.js';
import { ConnectionRef } from './connections.js';
import {
  type ErrorCode,
  ForbiddenError,
  NotFoundError,
  ProviderError,
  QuotaExceededError,
  RateLimitedError,
  ReauthorizationRequiredError,
  type SwitchboardError,
  UpstreamUnavailableError,
  ValidationError,
} from '../../kernel/errors.js';

const ErrorCodeEnum = builder.enumType('ErrorCode', {
  values: [
    'NOT_FOUND',
    'FORBIDDEN',
    'VALIDATION',
    'PROVIDER_ERROR',
    'REAUTHORIZATION_REQUIRED',
    'RATE_LIMITED',
    'UPSTREAM_UNAVAILABLE',
    'QUOTA_EXCEEDED',
  ] as const satisfies readonly ErrorCode[],
});

const ErrorInterface = builder.interfaceRef<SwitchboardError>('Error').implement({
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.field({ type: ErrorCodeEnum, resolve: (error) => error.code }),
  }),
});

const FieldErrorType = builder.objectRef<{ field: string; message: string }>('FieldError').implement({
  fields: (t) => ({
    field: t.exposeString('field'),
    message: t.exposeString('message'),
  }),
});

builder.objectType(NotFoundError, { name: 'NotFoundError', interfaces: [ErrorInterface] });
builder.objectType(ForbiddenError, { name: 'ForbiddenError', interfaces: [ErrorInterface] });

builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    fieldErrors: t.field({ type: [FieldErrorType], resolve: (error) => error.fieldErrors }),
  }),
});

builder.objectType(ProviderError, {
  name: 'ProviderError',
  description: 'The provider answered with an OAuth error or an unusable response.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    providerStatus: t.int({ nullable: true, resolve: (error) => error.details.providerStatus ?? null }),
    providerError: t.string({ nullable: true, resolve: (error) => error.details.providerError ?? null }),
    providerErrorDescription: t.string({
      nullable: true,
      resolve: (error) => error.details.providerErrorDescription ?? null,
    }),
    retryAfterSeconds: t.int({
      nullable: true,
      description: 'Seconds until a new token request will be made (the refresh cooldown after a transient failure).',
      resolve: (error) => error.details.retryAfterSeconds ?? null,
    }),
  }),
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    retryAfterSeconds: t.int({ nullable: true, resolve: (error) => error.retryAfterSeconds ?? null }),
  }),
});

builder.objectType(ReauthorizationRequiredError, {
  name: 'ReauthorizationRequiredError',
  description: 'The provider refused the stored credentials: the user must connect again (startConnect).',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    connection: t.field({
      type: ConnectionRef,
      nullable: true,
      resolve: (error, _args, context) =>
        error.connectionId
          ? context.app.db.prisma.connection.findFirst({ where: { id: error.connectionId, ...visibleConnectionsWhere(context.viewer) } })
          : null,
    }),
  }),
});

builder.objectType(UpstreamUnavailableError, {
  name: 'UpstreamUnavailableError',
  description: 'The provider could not be reached or did not answer in time; retrying later may succeed.',
  interfaces: [ErrorInterface],
});

builder.objectType(QuotaExceededError, {
  name: 'QuotaExceededError',
  description: 'A per-user cap was reached (pending authorizations, open subscriptions).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ limit: t.exposeInt('limit') }),
});
