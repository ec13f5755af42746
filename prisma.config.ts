// Prisma CLI configuration (used by `prisma generate`). Migrations are applied by the
// application itself through Prisma's WebAssembly schema engine: see src/db/migrate.ts.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
