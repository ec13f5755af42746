// The activity log's writer. recordOperation() only appends to an in-memory buffer (no promise, no
// I/O, never throws), so the proxy's hot path pays for an object and an array push. The buffer is
// written every flushIntervalMs, or as soon as it holds flushRows rows, with one INSERT of arrays;
// Connection.lastUsedAt is coalesced in memory (the latest use per connection) and written in the
// same flush with one UPDATE … FROM (VALUES …), at most once per lastUsedIntervalMs per connection. Past bufferMax, rows are dropped and counted, with
// a warning at most every 10 s: under overload the log gives way, the requests do not.
//
// When the database does not answer, the batch goes back to the front of the buffer and flushes back
// off (up to FLUSH_BACKOFF_MAX_MS); the buffer's bound then drops the newest rows, never one that may
// already be stored. Inserts are idempotent (ON CONFLICT ("id") DO NOTHING): a flush that timed out
// on the client but committed on the server is simply written again. A batch refused for any other
// reason (bad data: it would fail forever) is dropped and counted. So stored + dropped = recorded.
//
// It records what the app's domain events say happened (subscribeActivityLog): no use case writes to
// it directly.
import type { Database } from '../db/database.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import { DOMAIN_EVENT_TYPES, operationOf, type DomainEventBus, type Operation, type OperationKind, type OperationOutcome } from '../domain/events.js';
import { Prisma } from '../generated/prisma/client.js';
import { backoffDelay } from '../kernel/backoff.js';
import { newId, timeOfId } from '../kernel/ids.js';
import type { Logger } from '../kernel/log.js';
import type { ActivitySettings } from './settings.js';

export type OperationInput = Operation;

/** Told of rows the log did not keep (the metrics count them). */
export interface ActivityObserver {
  dropped(count: number): void;
  sampledOut(count: number): void;
}

type RecorderSettings = Pick<
  ActivitySettings,
  'enabled' | 'flushIntervalMs' | 'flushRows' | 'bufferMax' | 'proxySuccessSampleRate' | 'proxySuccessesPerSecond'
> &
  Partial<Pick<ActivitySettings, 'lastUsedIntervalMs'>>;

interface OperationRow {
  id: string;
  kind: OperationKind;
  outcome: OperationOutcome;
  connectionId: string | null;
  integrationSlug: string;
  ownerId: string | null;
  method: string | null;
  path: string | null;
  providerStatus: number | null;
  durationMs: number | null;
  error: string | null;
  tool: string | null;
  at: Date;
}

/** Counters since the process started (the metrics issue feeds Prometheus from these). */
export interface ActivityStats {
  recorded: number;
  written: number;
  dropped: number;
  sampledOut: number;
  flushFailures: number;
}

const MAX_ERROR_LENGTH = 500;
const MAX_PATH_LENGTH = 1000;
const DROP_WARNING_INTERVAL_MS = 10_000;
/** At most one "cannot write" warning this often, however often flushes fail. */
const FLUSH_WARNING_INTERVAL_MS = 10_000;
/** The longest wait between failed flushes. */
const FLUSH_BACKOFF_MAX_MS = 5_000;

export class ActivityRecorder {
  private buffer: OperationRow[] = [];
  private lastUsed = new Map<string, number>();
  /** When each connection's lastUsedAt was last written (only those written within lastUsedIntervalMs). */
  private lastUsedWritten = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private flushSoon = false;
  private lastDropWarning = 0;
  /** Consecutive flushes the database did not take; no flush before retryAt. */
  private failedFlushes = 0;
  private retryAt = 0;
  private lastFlushWarning = 0;
  private failuresSinceWarning = 0;
  /** Successful proxied calls that may still be stored this second (a token bucket refilled continuously). */
  private successTokens: number;
  private successTokensAt = Date.now();
  readonly stats: ActivityStats = { recorded: 0, written: 0, dropped: 0, sampledOut: 0, flushFailures: 0 };

  constructor(
    private readonly db: Database,
    private readonly settings: RecorderSettings,
    private readonly logger: Logger,
    private readonly observer: ActivityObserver = { dropped: () => {}, sampledOut: () => {} },
  ) {
    this.successTokens = settings.proxySuccessesPerSecond;
  }

  record(input: OperationInput): void {
    if (!this.settings.enabled) return;
    if (input.kind === 'PROXY' && input.outcome === 'SUCCESS' && !this.keepProxySuccess()) {
      this.stats.sampledOut++;
      this.observer.sampledOut(1);
      return;
    }
    if (this.buffer.length >= this.settings.bufferMax) {
      this.stats.dropped++;
      this.observer.dropped(1);
      const now = Date.now();
      if (now - this.lastDropWarning >= DROP_WARNING_INTERVAL_MS) {
        this.lastDropWarning = now;
        this.logger.warn({ dropped: this.stats.dropped, bufferMax: this.settings.bufferMax }, 'activity log overloaded: operations dropped');
      }
      return;
    }
    // Monotonic within the process, so that operations recorded in the same millisecond keep their order.
    const id = newId();
    this.buffer.push({
      id,
      kind: input.kind,
      outcome: input.outcome,
      connectionId: input.connectionId ?? null,
      integrationSlug: input.integrationSlug,
      ownerId: input.ownerId ?? null,
      method: input.method ?? null,
      path: input.path ? input.path.slice(0, MAX_PATH_LENGTH) : null,
      providerStatus: input.providerStatus ?? null,
      durationMs: input.durationMs === undefined || input.durationMs === null ? null : Math.round(input.durationMs * 100) / 100,
      error: input.error ? input.error.slice(0, MAX_ERROR_LENGTH) : null,
      tool: input.tool ?? null,
      at: new Date(timeOfId(id)),
    });
    this.stats.recorded++;
    this.schedule();
  }

  /**
   * Whether to store this successful proxied call. Failures are always stored; successes are what a
   * busy proxy has most of and what diagnosis needs least, so they give way first: a share of them
   * (the sample rate), and no more than proxySuccessesPerSecond a second. The metrics count them all.
   */
  private keepProxySuccess(): boolean {
    const { proxySuccessSampleRate: rate, proxySuccessesPerSecond: perSecond } = this.settings;
    if (rate < 1 && Math.random() >= rate) return false;
    if (perSecond <= 0) return true;
    const now = Date.now();
    if (now !== this.successTokensAt) {
      // max(0, …): a wall clock stepped back refills nothing, rather than draining the bucket for as long.
      this.successTokens = Math.min(perSecond, this.successTokens + (Math.max(0, now - this.successTokensAt) * perSecond) / 1000);
      this.successTokensAt = now;
    }
    if (this.successTokens < 1) return false;
    this.successTokens--;
    return true;
  }

  /** A proxied call used the connection now: kept in memory, written with the next flush. */
  noteUsed(connectionId: string): void {
    if (!this.settings.enabled) return;
    this.lastUsed.set(connectionId, Date.now());
    this.schedule();
  }

  private schedule(): void {
    // Backing off after failed flushes: the retry timer flushes, not every new row.
    if (this.buffer.length >= this.settings.flushRows && !this.flushSoon && Date.now() >= this.retryAt) {
      this.flushSoon = true;
      setImmediate(() => {
        this.flushSoon = false;
        void this.flush();
      });
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.settings.flushIntervalMs);
      this.timer.unref();
    }
  }

  /**
   * Writes what is buffered now (one flush at a time; a caller arriving mid-flush waits for it and the
   * next). After a failed flush, nothing is tried before the backoff's time unless `force` (shutdown).
   */
  async flush(force = false): Promise<void> {
    while (this.flushing) await this.flushing;
    if (!this.buffer.length && !this.lastUsed.size) return;
    if (!force && Date.now() < this.retryAt) {
      this.scheduleRetry();
      return;
    }
    this.flushing = this.writeBatch(force).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
    // More arrived while writing, or a use waits for its connection's interval: the timer or the row threshold picks them up.
    if (this.buffer.length || this.lastUsed.size) this.schedule();
  }

  private scheduleRetry(): void {
    if (this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.flush();
      },
      Math.max(0, this.retryAt - Date.now()),
    );
    this.timer.unref();
  }

  private drop(count: number): void {
    if (count <= 0) return;
    this.stats.dropped += count;
    this.observer.dropped(count);
  }

  private async writeBatch(force: boolean): Promise<void> {
    const rows = this.buffer.splice(0, this.settings.flushRows);
    const used = this.lastUsedDue(force);
    try {
      if (rows.length) await insertOperations(this.db, rows);
      this.stats.written += rows.length;
      if (this.failedFlushes) this.logger.info({ failedFlushes: this.failedFlushes, buffered: this.buffer.length }, 'activity log writing again');
      this.failedFlushes = 0;
      this.retryAt = 0;
    } catch (error) {
      this.stats.flushFailures++;
      if (isDatabaseUnavailable(error)) {
        // Back to the front (oldest first); past the bound, the newest rows go: they were never sent, so surely not stored.
        this.buffer.unshift(...rows);
        if (this.buffer.length > this.settings.bufferMax) this.drop(this.buffer.splice(this.settings.bufferMax).length);
        for (const [id, at] of used) {
          if ((this.lastUsed.get(id) ?? 0) < at) this.lastUsed.set(id, at);
          this.lastUsedWritten.delete(id);
        }
        this.failedFlushes++;
        this.retryAt = Date.now() + backoffDelay(this.failedFlushes, { baseMs: this.settings.flushIntervalMs, maxMs: FLUSH_BACKOFF_MAX_MS });
        this.warnFlushFailure(error, rows.length);
        return;
      }
      // The database answered and refused the batch: it would refuse it again. Dropped and counted.
      this.drop(rows.length);
      this.logger.warn({ err: error, rows: rows.length }, 'activity log batch refused by the database: dropped');
    }
    if (used.size) {
      try {
        const values = Prisma.join([...used].map(([id, at]) => Prisma.sql`(${id}, ${new Date(at)}::timestamp)`));
        await this.db.prisma.$executeRaw`
          UPDATE "Connection" AS c SET "lastUsedAt" = v.at
          FROM (VALUES ${values}) AS v(id, at)
          WHERE c."id" = v.id AND (c."lastUsedAt" IS NULL OR c."lastUsedAt" < v.at)`;
      } catch (error) {
        this.logger.warn({ err: error }, 'lastUsedAt update failed');
      }
    }
  }

  /**
   * The uses whose lastUsedAt may be written now: a connection written within lastUsedIntervalMs waits
   * (its latest use stays in memory), so that a busy connection costs one UPDATE per interval, not one
   * per flush. `force` (shutdown) takes them all.
   */
  private lastUsedDue(force: boolean): Map<string, number> {
    const interval = this.settings.lastUsedIntervalMs;
    if (force || !interval) {
      const all = this.lastUsed;
      this.lastUsed = new Map();
      return all;
    }
    const now = Date.now();
    for (const [id, at] of this.lastUsedWritten) if (now - at >= interval) this.lastUsedWritten.delete(id);
    const due = new Map<string, number>();
    for (const [id, at] of this.lastUsed) {
      if (this.lastUsedWritten.has(id)) continue;
      due.set(id, at);
      this.lastUsed.delete(id);
      this.lastUsedWritten.set(id, now);
    }
    return due;
  }

  private warnFlushFailure(error: unknown, rows: number): void {
    this.failuresSinceWarning++;
    const now = Date.now();
    if (now - this.lastFlushWarning < FLUSH_WARNING_INTERVAL_MS) return;
    this.logger.warn(
      { err: error, rows, failedFlushes: this.failuresSinceWarning, buffered: this.buffer.length, dropped: this.stats.dropped },
      'activity log cannot write: the database is unavailable; retrying with backoff',
    );
    this.lastFlushWarning = now;
    this.failuresSinceWarning = 0;
  }

  /**
   * Flushes everything and stops the timer (graceful shutdown); recording later starts it again. What
   * cannot be written (the database keeps failing) is dropped and counted.
   */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // Rows may exceed one batch: flush until empty, giving up if the database keeps failing.
    for (let round = 0; round < 100 && (this.buffer.length || this.lastUsed.size); round++) {
      const failuresBefore = this.stats.flushFailures;
      await this.flush(true);
      if (this.stats.flushFailures > failuresBefore) break;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length) {
      this.logger.warn({ rows: this.buffer.length }, 'activity log rows not written at shutdown: dropped');
      this.drop(this.buffer.splice(0).length);
    }
  }

  /** Rows waiting to be written. */
  get pending(): number {
    return this.buffer.length;
  }
}

/**
 * One INSERT … SELECT FROM unnest(arrays): thirteen parameters however many rows. Several times cheaper
 * than createMany's row-by-row parameters, which matters most on the embedded database, whose work
 * runs on the server's own thread; sent outside Prisma, whose parameter mapping visits every element.
 * Times go as ISO text (UTC): the driver would write a Date in the process's own time zone.
 */
async function insertOperations(db: Database, rows: OperationRow[]): Promise<void> {
  const column = <K extends keyof OperationRow>(key: K) => rows.map((row) => row[key]);
  await db.execute(INSERT_OPERATIONS, [
    column('id'),
    column('kind'),
    column('outcome'),
    column('connectionId'),
    column('integrationSlug'),
    column('ownerId'),
    column('method'),
    column('path'),
    column('providerStatus'),
    column('durationMs'),
    column('error'),
    column('tool'),
    rows.map((row) => row.at.toISOString()),
  ]);
}

const INSERT_OPERATIONS = `
    INSERT INTO "Operation" ("id", "kind", "outcome", "connectionId", "integrationSlug", "ownerId", "method", "path", "providerStatus", "durationMs", "error", "tool", "at")
    SELECT * FROM unnest(
      $1::text[], $2::text[]::"OperationKind"[], $3::text[]::"OperationOutcome"[], $4::text[], $5::text[], $6::text[], $7::text[],
      $8::text[], $9::int[], $10::float8[], $11::text[], $12::text[], $13::timestamp(3)[]
    )
    ON CONFLICT ("id") DO NOTHING`;

/**
 * The recorder hears every domain event that records an operation; a proxied call that got an
 * answer also marks its connection used.
 */
export function subscribeActivityLog(events: DomainEventBus, recorder: ActivityRecorder): () => void {
  const stops = DOMAIN_EVENT_TYPES.map((type) =>
    events.on(type, (event) => {
      const operation = operationOf(event);
      if (!operation) return;
      if (type === 'proxy.called') {
        const call = event as { connected: boolean; operation: Operation };
        if (!call.connected) return;
        if (call.operation.providerStatus !== undefined && call.operation.providerStatus !== null) recorder.noteUsed(call.operation.connectionId!);
      }
      recorder.record(operation);
    }),
  );
  return () => stops.forEach((stop) => stop());
}
