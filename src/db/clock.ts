// Time for leases and schedules shared by instances: the database's clock, never the instance's.
// Instances drift by seconds, and a VM resumed from a pause by much more; a lease taken with one
// clock and judged with another is taken twice. Columns are TIMESTAMP(3) holding UTC (as Prisma
// writes them), so the database's now() is compared in UTC.
import { Prisma } from '../generated/prisma/client.js';

/** The database's current time as a UTC timestamp, for raw SQL (transaction start time inside a transaction). */
export const DATABASE_NOW = Prisma.raw(`(now() AT TIME ZONE 'UTC')`);

/** `DATABASE_NOW` plus `ms` milliseconds, for raw SQL. */
export function databaseNowPlus(ms: number): Prisma.Sql {
  return Prisma.sql`(${DATABASE_NOW} + ${Math.round(ms)}::float8 * interval '1 millisecond')`;
}
