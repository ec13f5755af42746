// The activity log while its PostgreSQL is frozen (SIGSTOP) for 20 s under a steady load: flushes
// time out (some of them commit on the server once it thaws), back off, and are retried without
// duplicate-key failures; the bounded buffer drops the newest rows and counts them; one warning per
// 10 s at most. Afterwards every recorded operation is either stored or counted as dropped.
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ActivityRecorder } from '../src/activity/recorder.js';
import { openDatabase } from '../src/db/database.js';
import { hasPostgresBinaries, startPrivatePostgres } from './helpers/services.js';
import { testConfig } from './helpers/server.js';

const PG_PORT = 15462;
const skipped = process.env.TEST_DATABASE !== 'postgresql' || !hasPostgresBinaries;

describe.skipIf(skipped)('the activity log and a frozen database', async () => {
  if (skipped) return void it.skip('needs PostgreSQL and its binaries (initdb, pg_ctl)', () => {});
  const postgres = await startPrivatePostgres(PG_PORT);

  it('a 20 s freeze under load: stored + dropped = recorded, the buffer stays bounded, few warnings', async () => {
    const logs: Array<{ level: number; msg: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as { level: number; msg: string }) });
    const config = testConfig();
    const db = openDatabase({ ...config.database, url: postgres.url, poolSize: 4, connectTimeoutMs: 1_000, statementTimeoutMs: 2_000 }, { logger });
    try {
      await db.migrate();
      const bufferMax = 1_500;
      const recorder = new ActivityRecorder(
        db,
        { enabled: true, flushIntervalMs: 100, flushRows: 100, bufferMax, proxySuccessSampleRate: 1, proxySuccessesPerSecond: 0 },
        logger,
      );
      let maxBuffered = 0;
      /** Operations handed to the recorder (stats.recorded counts those it buffered; those it refused at once are dropped). */
      let handed = 0;
      let loading = true;
      // About 150 operations a second (fewer on a loaded machine).
      const load = (async () => {
        while (loading) {
          for (let index = 0; index < 15; index++) {
            handed++;
            recorder.record({ kind: 'REFRESH', outcome: 'SUCCESS', connectionId: null, integrationSlug: 'frozen', ownerId: null, durationMs: 1 });
          }
          maxBuffered = Math.max(maxBuffered, recorder.pending);
          await sleep(100);
        }
      })();
      await sleep(3_000);
      postgres.freeze();
      await sleep(20_000);
      postgres.thaw();
      await sleep(5_000);
      loading = false;
      await load;
      await recorder.stop();

      const [row] = await db.prisma.$queryRaw<Array<{ count: bigint }>>`SELECT count(*) AS "count" FROM "Operation"`;
      const stored = Number(row!.count);
      const { recorded, dropped, flushFailures } = recorder.stats;
      console.log(
        `activity freeze: handed ${handed}, buffered ${recorded}, stored ${stored}, dropped ${dropped}, failed flushes ${flushFailures}, max buffered ${maxBuffered}`,
      );
      expect(handed).toBeGreaterThan(2_000);
      // The freeze outlasted the buffer: some were dropped, and counted.
      expect(dropped).toBeGreaterThan(0);
      expect(stored + dropped).toBe(handed);
      expect(stored).toBeLessThanOrEqual(recorded);
      expect(maxBuffered).toBeLessThanOrEqual(bufferMax);
      expect(flushFailures).toBeGreaterThan(0);
      // Backoff: a handful of failed flushes in 20 s, not one per new row.
      expect(flushFailures).toBeLessThan(30);
      const warnings = logs.filter((entry) => entry.msg.startsWith('activity log cannot write'));
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      expect(warnings.length).toBeLessThanOrEqual(4);
      expect(logs.filter((entry) => /refused by the database/.test(entry.msg))).toEqual([]);
    } finally {
      postgres.thaw();
      await db.close();
    }
  }, 120_000);
});
