// The job `embedded-database-maintenance`: what PostgreSQL's autovacuum does, for the embedded database,
// which has no autovacuum (PGlite runs PostgreSQL as one process). Without it no table is ever analyzed
// (the planner keeps the estimates of an empty table: a generic plan scans every pending delivery for
// each result it writes) and no dead row is ever reclaimed (an outbox row updated ten times leaves ten
// entries in each of its indexes, and the scans for work to do walk them all). Each run reads the
// tables' counters and vacuums or analyzes those past autovacuum's own thresholds (its settings,
// PostgreSQL's defaults), one table per statement, behind the statements someone waits on.
import type { Logger } from '../kernel/log.js';
import { periodicJob, type Job } from '../kernel/jobs.js';
import type { Database } from './database.js';

interface TableCounters {
  table: string;
  /** The planner's row count (0 when never analyzed). */
  rows: number;
  dead: number;
  modified: number;
  inserted: number;
  vacuumThreshold: number;
  vacuumScale: number;
  insertThreshold: number;
  insertScale: number;
  analyzeThreshold: number;
  analyzeScale: number;
}

const COUNTERS = `
  SELECT s.relname AS "table", greatest(c.reltuples, 0)::float8 AS "rows", s.n_dead_tup::float8 AS "dead",
    s.n_mod_since_analyze::float8 AS "modified", s.n_ins_since_vacuum::float8 AS "inserted",
    current_setting('autovacuum_vacuum_threshold')::float8 AS "vacuumThreshold",
    current_setting('autovacuum_vacuum_scale_factor')::float8 AS "vacuumScale",
    current_setting('autovacuum_vacuum_insert_threshold')::float8 AS "insertThreshold",
    current_setting('autovacuum_vacuum_insert_scale_factor')::float8 AS "insertScale",
    current_setting('autovacuum_analyze_threshold')::float8 AS "analyzeThreshold",
    current_setting('autovacuum_analyze_scale_factor')::float8 AS "analyzeScale"
  FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
  WHERE s.schemaname = current_schema()
  ORDER BY s.relname`;

/** What a table needs, by autovacuum's rules: VACUUM, ANALYZE, both, or nothing. */
export function maintenanceOf(counters: TableCounters): { vacuum: boolean; analyze: boolean } {
  const { rows } = counters;
  return {
    vacuum:
      counters.dead > counters.vacuumThreshold + counters.vacuumScale * rows ||
      (counters.insertThreshold >= 0 && counters.inserted > counters.insertThreshold + counters.insertScale * rows),
    analyze: counters.modified > counters.analyzeThreshold + counters.analyzeScale * rows,
  };
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** One pass: the tables past a threshold vacuumed and/or analyzed. Resolves with what it did. */
export async function maintainEmbeddedDatabase(db: Pick<Database, 'queryRows'>, shouldStop: () => boolean = () => false) {
  // The counters reach the view when the database is next idle (at most once a second otherwise).
  await db.queryRows('SELECT pg_stat_force_next_flush()');
  const tables = await db.queryRows<TableCounters>(COUNTERS);
  const done: Array<{ table: string; vacuum: boolean; analyze: boolean }> = [];
  for (const counters of tables) {
    if (shouldStop()) break;
    const { vacuum, analyze } = maintenanceOf(counters);
    if (!vacuum && !analyze) continue;
    // Two statements rather than VACUUM (ANALYZE): the statements waited on go between them.
    if (vacuum) await db.queryRows(`VACUUM ${quoted(counters.table)}`);
    if (analyze && !shouldStop()) await db.queryRows(`ANALYZE ${quoted(counters.table)}`);
    done.push({ table: counters.table, vacuum, analyze });
  }
  return done;
}

/** The job, on the embedded database only (PostgreSQL runs its own autovacuum). */
export function embeddedMaintenanceJob(db: Database, intervalSeconds: number, logger: Logger): Job {
  return periodicJob({
    name: 'embedded-database-maintenance',
    setting: 'EMBEDDED_MAINTENANCE_INTERVAL_SECONDS',
    intervalMs: intervalSeconds * 1000,
    enabled: db.kind === 'pglite',
    logger,
    async run(shouldStop) {
      const started = performance.now();
      const done = await maintainEmbeddedDatabase(db, shouldStop);
      if (done.length) logger.debug({ tables: done, ms: Math.round(performance.now() - started) }, 'embedded database maintained');
    },
  });
}
