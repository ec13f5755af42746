// API keys kept in the database: created and revoked at run time, each with scopes. The key is
// shown once; only its SHA-256 is stored. Instances find keys by hash and keep what they found for
// API_KEY_CACHE_TTL_MS (below a second), so a revocation or an expiry reaches every instance within
// that time with no message between them; lastUsedAt is written at most once a minute per key.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Database } from '../db/database.js';
import { API_KEY_SCOPES, type ApiKeyScope } from '../domain/scopes.js';
import { newId } from '../kernel/ids.js';
import { NotFoundError, ValidationError } from '../kernel/errors.js';
import type { Logger } from '../kernel/log.js';
import { recordAudit, type AuditActor } from '../domain/audit.js';

const API_KEY_PREFIX = 'sbk_';
/** Characters of the key kept to recognise it: the prefix and 8 more (48 bits, far from enough to guess the rest). */
const SHOWN_CHARACTERS = API_KEY_PREFIX.length + 8;
const LAST_USED_INTERVAL_MS = 60_000;
const MAX_EXPIRES_IN_SECONDS = 10 * 365 * 24 * 3600;

export interface StoredApiKey {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface CreateApiKeyInput {
  name: string;
  scopes: ApiKeyScope[];
  expiresInSeconds?: number | null;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function isDatabaseApiKey(key: string): boolean {
  return key.startsWith(API_KEY_PREFIX);
}

export type ApiKeys = ReturnType<typeof createApiKeys>;

export function createApiKeys(deps: { db: Database; cacheTtlMs: number; logger: Logger }) {
  const { db, logger } = deps;
  // Found keys (and misses) by hash, briefly: a revocation is seen once the entry expires.
  // ttlResolution 0: the clock read on each lookup (the default caches it with a 1 ms timer, a timer every few calls).
  const found = new LRUCache<string, { key: StoredApiKey | null }>({ max: 10_000, ttl: Math.max(1, deps.cacheTtlMs), ttlResolution: 0 });
  const lastUsedWritten = new Map<string, number>();

  async function load(hash: string): Promise<StoredApiKey | null> {
    const cached = found.get(hash);
    if (cached) return cached.key;
    const row = await db.prisma.apiKey.findUnique({
      where: { keyHash: hash },
      select: { id: true, name: true, scopes: true, expiresAt: true, revokedAt: true, keyHash: true },
    });
    // The index found the row by hash; the comparison itself is constant-time as well.
    const key = row && timingSafeEqual(Buffer.from(row.keyHash, 'hex'), Buffer.from(hash, 'hex')) ? toStored(row) : null;
    found.set(hash, { key });
    return key;
  }

  function noteUse(key: StoredApiKey): void {
    const now = Date.now();
    if (now - (lastUsedWritten.get(key.id) ?? 0) < LAST_USED_INTERVAL_MS) return;
    lastUsedWritten.set(key.id, now);
    if (lastUsedWritten.size > 10_000) lastUsedWritten.clear();
    // Conditional: instances together write it at most once a minute per key.
    void db.prisma
      .$executeRaw`UPDATE "ApiKey" SET "lastUsedAt" = now() WHERE "id" = ${key.id} AND ("lastUsedAt" IS NULL OR "lastUsedAt" < now() - interval '1 minute')`.catch(
      (error: unknown) => logger.warn({ err: error }, 'recording when an API key was last used failed'),
    );
  }

  return {
    /** The live key `presented` is, or null (unknown, revoked or expired). */
    async verify(presented: string): Promise<StoredApiKey | null> {
      return this.verifyHash(hashApiKey(presented));
    },

    /** The live key whose hash is `hash` (what a console session keeps), or null. */
    async verifyHash(hash: string): Promise<StoredApiKey | null> {
      const key = await load(hash);
      if (!key || key.revokedAt) return null;
      if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) return null;
      noteUse(key);
      return key;
    },

    async create(actor: AuditActor, createdBy: string, input: CreateApiKeyInput) {
      const name = input.name.trim();
      if (!name || name.length > 100) throw ValidationError.field('name', 'The name must be 1 to 100 characters.');
      if (!input.scopes.length) throw ValidationError.field('scopes', 'Give at least one scope.');
      const unknown = input.scopes.filter((scope) => !API_KEY_SCOPES.includes(scope));
      if (unknown.length) throw ValidationError.field('scopes', `Unknown scopes: ${unknown.join(', ')}.`);
      const expiresIn = input.expiresInSeconds;
      if (expiresIn !== undefined && expiresIn !== null && (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_IN_SECONDS)) {
        throw ValidationError.field('expiresInSeconds', `expiresInSeconds must be between 1 and ${MAX_EXPIRES_IN_SECONDS}, or null.`);
      }
      const secret = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
      const scopes = [...new Set(input.scopes)];
      const apiKey = await db.transaction(async (tx) => {
        const created = await tx.apiKey.create({
          data: {
            id: newId(),
            name,
            scopes,
            prefix: secret.slice(0, SHOWN_CHARACTERS),
            keyHash: hashApiKey(secret),
            createdBy,
            expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
          },
        });
        await recordAudit(tx, actor, { action: 'api_key.created', target: ['ApiKey', created.id], changes: { name: { new: name }, scopes: { new: scopes } } });
        return created;
      });
      return { apiKey, secret };
    },

    async revoke(actor: AuditActor, id: string) {
      return db.transaction(async (tx) => {
        const existing = await tx.apiKey.findUnique({ where: { id } });
        if (!existing) throw new NotFoundError('No such API key.');
        if (existing.revokedAt) return existing;
        const revoked = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
        await recordAudit(tx, actor, { action: 'api_key.revoked', target: ['ApiKey', id], changes: { revokedAt: { old: null, new: revoked.revokedAt } } });
        return revoked;
      });
    },
  };
}

function toStored(row: { id: string; name: string; scopes: string[]; expiresAt: Date | null; revokedAt: Date | null }): StoredApiKey {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes.filter((scope): scope is ApiKeyScope => API_KEY_SCOPES.includes(scope as ApiKeyScope)),
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
  };
}
