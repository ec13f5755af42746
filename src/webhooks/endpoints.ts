// Webhook endpoints (admins only): create, update, delete, rotate the signing secret, and redeliver.
// Secrets are sealed to their row like every other secret and shown once, on create and rotation.
import { diffFields, recordAudit, SECRET_CHANGED, SYSTEM_ACTOR, type AuditActor } from '../domain/audit.js';
import { z } from 'zod';
import type { Keyring } from '../crypto/envelope.js';
import type { Database } from '../db/database.js';
import type { DomainEventBus } from '../domain/events.js';
import { providerUrlProblem, validationErrorFrom, type UrlPolicy } from '../domain/integrations.js';
import type { WebhookDelivery, WebhookEndpoint } from '../generated/prisma/client.js';
import { NotFoundError } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { WEBHOOK_EVENT_TYPES } from './event-types.js';
import type { WebhookSettings } from './settings.js';
import { newSigningSecret } from './signing.js';

export type { WebhookDelivery, WebhookEndpoint };

const secretContext = (endpointId: string, field: 'secret' | 'previousSecret') => ({ table: 'WebhookEndpoint', rowId: endpointId, field });

/** Private and loopback targets (and http) are allowed with WEBHOOK_ALLOW_PRIVATE, or in development with ALLOW_LOCAL_PROVIDERS. */
function endpointSchemas(urls: UrlPolicy, allowPrivate: boolean) {
  const privateTargetsAllowed = allowPrivate || urls.allowLocalProviders;
  const urlField = z
    .string()
    .trim()
    .max(2000)
    .superRefine((value, ctx) => {
      const problem = providerUrlProblem(value, urls, privateTargetsAllowed);
      if (!problem) return;
      // A local receiver (development) is the usual reason: say which setting allows it.
      const local = !privateTargetsAllowed && /https|public host/.test(problem);
      const hint = !local ? '' : ' Private, loopback and http:// receivers need WEBHOOK_ALLOW_PRIVATE=true (for local testing).';
      ctx.addIssue({ code: 'custom', message: `url ${problem}${hint}` });
    });
  const eventTypesField = z
    .array(z.enum(WEBHOOK_EVENT_TYPES))
    .max(WEBHOOK_EVENT_TYPES.length * 2)
    .transform((types) => [...new Set(types)]);
  const descriptionField = z.string().trim().max(500);
  const createSchema = z.object({ url: urlField, eventTypes: eventTypesField.default([]), description: descriptionField.optional() });
  const updateSchema = z.object({
    url: urlField.optional(),
    eventTypes: eventTypesField.optional(),
    description: descriptionField.nullable().optional(),
    enabled: z.boolean().optional(),
  });
  return { createSchema, updateSchema };
}

type EndpointSchemas = ReturnType<typeof endpointSchemas>;
export type CreateEndpointInput = z.input<EndpointSchemas['createSchema']>;
export type UpdateEndpointInput = z.input<EndpointSchemas['updateSchema']>;

export type WebhookEndpoints = ReturnType<typeof createWebhookEndpoints>;

/** Webhook endpoints (admins only): create, update, delete, rotate the signing secret, and redeliver. */
export function createWebhookEndpoints(deps: { db: Database; keyring: Keyring; events: DomainEventBus; urls: UrlPolicy; settings: WebhookSettings }) {
  const { prisma } = deps.db;
  const schemas = endpointSchemas(deps.urls, deps.settings.allowPrivate);

  async function create(input: CreateEndpointInput, actor: AuditActor = SYSTEM_ACTOR): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    const parsed = schemas.createSchema.safeParse(input);
    if (!parsed.success) throw validationErrorFrom(parsed.error, 'The webhook endpoint is not valid.');
    const id = newId();
    const secret = newSigningSecret();
    const endpoint = await deps.db.transaction(async (tx) => {
      const created = await tx.webhookEndpoint.create({
        data: {
          id,
          url: parsed.data.url,
          description: parsed.data.description || null,
          eventTypes: parsed.data.eventTypes,
          secretEnc: deps.keyring.encrypt(secret, secretContext(id, 'secret')),
        },
      });
      await recordAudit(tx, actor, {
        action: 'webhook_endpoint.created',
        target: ['WebhookEndpoint', id],
        changes: diffFields({}, auditedEndpoint(created), ['secret']),
      });
      return created;
    });
    return { endpoint, secret };
  }

  async function update(id: string, input: UpdateEndpointInput, actor: AuditActor = SYSTEM_ACTOR): Promise<WebhookEndpoint> {
    const parsed = schemas.updateSchema.safeParse(input);
    if (!parsed.success) throw validationErrorFrom(parsed.error, 'The webhook endpoint is not valid.');
    const { url, eventTypes, description, enabled } = parsed.data;
    const before = await prisma.webhookEndpoint.findUnique({ where: { id } });
    if (!before) throw new NotFoundError('No such webhook endpoint.');
    const count = await deps.db.transaction(async (tx) => {
      const { count } = await tx.webhookEndpoint.updateMany({
        where: { id },
        data: {
          ...(url !== undefined ? { url } : {}),
          ...(eventTypes !== undefined ? { eventTypes } : {}),
          ...(description !== undefined ? { description: description || null } : {}),
          // Enabling again clears an automatic disabling (and its failure streak).
          ...(enabled !== undefined ? { enabled, ...(enabled ? { disabledReason: null, failingSince: null } : {}) } : {}),
        },
      });
      const after = count ? await tx.webhookEndpoint.findUnique({ where: { id } }) : null;
      if (after)
        await recordAudit(tx, actor, {
          action: 'webhook_endpoint.updated',
          target: ['WebhookEndpoint', id],
          changes: diffFields(auditedEndpoint(before), auditedEndpoint(after)),
        });
      return count;
    });
    if (!count) throw new NotFoundError('No such webhook endpoint.');
    if (enabled) deps.events.emit('webhook.due', { reason: 'endpoint_enabled' });
    return prisma.webhookEndpoint.findUniqueOrThrow({ where: { id } });
  }

  async function remove(id: string, actor: AuditActor = SYSTEM_ACTOR): Promise<void> {
    // Its deliveries go with it (ON DELETE CASCADE); an attempt in flight finds its row gone and records nothing.
    const count = await deps.db.transaction(async (tx) => {
      const { count } = await tx.webhookEndpoint.deleteMany({ where: { id } });
      if (count) await recordAudit(tx, actor, { action: 'webhook_endpoint.deleted', target: ['WebhookEndpoint', id] });
      return count;
    });
    if (!count) throw new NotFoundError('No such webhook endpoint.');
  }

  /** A new secret; the current one keeps signing beside it for WEBHOOK_SECRET_GRACE_SECONDS. */
  async function rotateSecret(id: string, actor: AuditActor = SYSTEM_ACTOR): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    for (;;) {
      const current = await prisma.webhookEndpoint.findUnique({ where: { id } });
      if (!current) throw new NotFoundError('No such webhook endpoint.');
      const secret = newSigningSecret();
      const graceSeconds = deps.settings.secretGraceSeconds;
      const previous = graceSeconds > 0 ? deps.keyring.decrypt(current.secretEnc, secretContext(id, 'secret')) : null;
      // Compare-and-set on the sealed secret: of two rotations at once, each keeps the other's result consistent.
      const count = await deps.db.transaction(async (tx) => {
        const { count } = await tx.webhookEndpoint.updateMany({
          where: { id, secretEnc: current.secretEnc },
          data: {
            secretEnc: deps.keyring.encrypt(secret, secretContext(id, 'secret')),
            previousSecretEnc: previous ? deps.keyring.encrypt(previous, secretContext(id, 'previousSecret')) : null,
            previousSecretExpiresAt: previous ? new Date(Date.now() + graceSeconds * 1000) : null,
          },
        });
        if (count) {
          await recordAudit(tx, actor, {
            action: 'webhook_endpoint.secret_rotated',
            target: ['WebhookEndpoint', id],
            changes: { secret: { old: SECRET_CHANGED, new: SECRET_CHANGED } },
          });
        }
        return count;
      });
      if (count) return { endpoint: await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id } }), secret };
    }
  }

  /**
   * Sends a delivery again (same webhook-id), whatever its status: due now, one more attempt beyond
   * the schedule if it had failed. A delivery being attempted right now is left to that attempt.
   */
  async function redeliver(deliveryId: string): Promise<WebhookDelivery> {
    const now = new Date();
    const found = await prisma.webhookDelivery.findUnique({ where: { id: deliveryId } });
    if (!found) throw new NotFoundError('No such webhook delivery.');
    await prisma.webhookDelivery.updateMany({
      where: { id: deliveryId, OR: [{ leaseExpiresAt: null }, { leaseExpiresAt: { lte: now } }] },
      data: { status: 'PENDING', nextAttemptAt: now, deliveredAt: null, leaseOwner: null, leaseExpiresAt: null },
    });
    deps.events.emit('webhook.due', { reason: 'redelivery' });
    return prisma.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
  }

  return { create, update, delete: remove, rotateSecret, redeliver };
}

/** The secrets that sign a message now: the current one, and the previous one during its grace period. */
export function signingSecretsOf(
  keyring: Keyring,
  endpoint: Pick<WebhookEndpoint, 'id' | 'secretEnc' | 'previousSecretEnc' | 'previousSecretExpiresAt'>,
  now = new Date(),
): string[] {
  const secrets = [keyring.decrypt(endpoint.secretEnc, secretContext(endpoint.id, 'secret'))];
  if (endpoint.previousSecretEnc && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
    secrets.push(keyring.decrypt(endpoint.previousSecretEnc, secretContext(endpoint.id, 'previousSecret')));
  }
  return secrets;
}

/** What the audit trail records of an endpoint (its secrets never). */
function auditedEndpoint(endpoint: WebhookEndpoint): Record<string, unknown> {
  return { url: endpoint.url, description: endpoint.description, eventTypes: endpoint.eventTypes, enabled: endpoint.enabled };
}
