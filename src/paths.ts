// Where the checkout (or image) keeps the files the server reads at run time. This module's code
// sits directly in the code directory both as source (src/paths.ts) and when built (bundled into a
// file at the top of dist/), so files are found from here, not from the module that reads them
// (bundled, every module is in one of dist/'s files).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** src/ (run from source: tsx, vitest) or dist/ (built), with the same layout of non-code files. */
const codeDir = path.dirname(fileURLToPath(import.meta.url));
export const projectRoot = path.resolve(codeDir, '..');
/** A file that src/ holds beside the code (YAML and the like), copied into dist/ by the build. */
export const codeFileUrl = (relative: string): URL => pathToFileURL(path.join(codeDir, relative));
export const migrationsDir = path.join(projectRoot, 'prisma', 'migrations');
export const prismaSchemaPath = path.join(projectRoot, 'prisma', 'schema.prisma');
/** An empty PGlite cluster made by `npm run build` (scripts/pglite-template.mjs); see src/db/pglite-template.ts. */
export const pgliteTemplateDir = path.join(projectRoot, 'dist', 'pglite-template');
