// Where the checkout (or image) keeps the files the server reads at run time. This module sits one
// level below the project root both as source (src/paths.ts) and when built (dist/, bundled or not),
// so the root is its parent's directory either way.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const migrationsDir = path.join(projectRoot, 'prisma', 'migrations');
export const prismaSchemaPath = path.join(projectRoot, 'prisma', 'schema.prisma');
/** An empty PGlite cluster made by `npm run build` (scripts/pglite-template.mjs); see src/db/pglite-template.ts. */
export const pgliteTemplateDir = path.join(projectRoot, 'dist', 'pglite-template');
