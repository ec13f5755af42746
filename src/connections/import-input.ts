// createConnection's input (checked with zod) and what an import needs from the app, shared by the
// imports of tokens, keys and basic credentials (import.ts) and of machine credentials (machine.ts).
import { z } from 'zod';
import type { Database } from '../db/database.js';
import { CONNECTION_NAME_PATTERN, type ConnectionStore } from '../domain/connections.js';
import type { DomainEventBus } from '../domain/events.js';
import type { Integrations } from '../domain/integrations.js';
import type { CheckDeps } from '../health/check.js';
import { INSTALLATION_ID_PATTERN } from '../tokens/grants/github-app.js';
import type { TokenGrants } from '../tokens/grants/index.js';
import type { FromTokensDeps } from './from-tokens.js';

const secret = z.string().min(1).max(16_384);
export const importInputSchema = z.object({
  integration: z.string().min(1),
  connectionName: z
    .string()
    .regex(CONNECTION_NAME_PATTERN, 'connectionName is 1-64 of A-Z a-z 0-9 . _ - and starts with a letter or digit.')
    .default('default'),
  accessToken: secret.optional(),
  refreshToken: secret.optional(),
  expiresAt: z.date().optional(),
  apiKey: secret.optional(),
  username: z.string().min(1).max(1000).optional(),
  password: z.string().max(16_384).optional(),
  privateKey: z.string().min(1).max(16_384).optional(),
  clientEmail: z.string().trim().min(1).max(320).optional(),
  subject: z.string().trim().min(1).max(320).optional(),
  installationId: z.string().trim().regex(INSTALLATION_ID_PATTERN, 'installationId is the number GitHub gives the installation.').optional(),
  tokenSecret: secret.optional(),
  keyId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, 'keyId is the id shown beside the key (letters, digits, ".", "_", "-").')
    .optional(),
  skipVerification: z.boolean().default(false),
  /** Checked in full by validTags (src/domain/tags.ts). */
  tags: z.record(z.string(), z.unknown()).optional(),
  metadata: z
    .record(z.string(), z.unknown())
    .refine((metadata) => JSON.stringify(metadata).length <= 16_384, 'metadata is limited to 16 KiB of JSON.')
    .optional(),
});

export type CreateConnectionData = z.output<typeof importInputSchema>;

/** Omitted fields may come as null from GraphQL. */
export type CreateConnectionInput = { [K in keyof z.input<typeof importInputSchema>]: z.input<typeof importInputSchema>[K] | null };

/** What importing a connection needs from the app. */
export interface ImportDeps extends FromTokensDeps {
  db: Database;
  integrations: Pick<Integrations, 'find'>;
  store: ConnectionStore;
  grants: Pick<TokenGrants, 'mint'>;
  checks: CheckDeps;
  events: DomainEventBus;
}
