// Limits held per deployment: counters and leases in Redis, each step one Lua script (atomic, and
// timed with Redis's own clock, so instances' clocks do not matter). Every call answers `undefined`
// when Redis does not answer within the timeout (down, or no REDIS_URL): the caller then falls back
// to its own per-instance count, and says in its comment whether that fails open or closed.
import type { Redis } from 'ioredis';
import type { Logger } from './log.js';

/** Redis's clock in milliseconds, inside a script. */
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * A counting semaphore as a sorted set of holders scored by the expiry of their slot: expired slots
 * (a crashed holder's) are dropped first, then the holder gets (or renews) a slot if fewer than the
 * limit are held. KEYS[1] set; ARGV holder, limit, ttl ms. Returns 1 when held.
 */
const ACQUIRE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local ttl = tonumber(ARGV[3])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
  return 1
end
return 0`;

/** Slots held now (unexpired). KEYS[1] set. */
const COUNT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])`;

/**
 * A breaker's ticket: closed below the threshold of consecutive failures; else one probe at a time (a
 * lease that expires if its holder dies). KEYS failures, probe; ARGV threshold, holder, probe ttl ms.
 * Returns 0 closed, 1 probe, 2 open.
 */
const BREAKER_ENTER = `
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures < tonumber(ARGV[1]) then return 0 end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', tonumber(ARGV[3])) then return 1 end
return 2`;

/**
 * A failure: counted (forgotten after ARGV[2] ms of no news); a failed probe's lease is kept ARGV[3] ms
 * more (the probe interval), so the next probe, from whichever instance, waits that long.
 * KEYS failures, probe; ARGV holder or '', forget ms, interval ms. Returns the count.
 */
const BREAKER_FAILURE = `
local failures = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) == ARGV[1] then
  if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3])) else redis.call('DEL', KEYS[2]) end
end
return failures`;

/** A success: the count is reset; returns the count it had. KEYS failures, probe; ARGV holder or ''. */
const BREAKER_SUCCESS = `
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
redis.call('DEL', KEYS[1])
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return failures`;

/** A probe left without an outcome. KEYS probe; ARGV holder. */
const RELEASE_IF_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 0`;

type BreakerAnswer = 'closed' | 'probe' | 'open';
const BREAKER_ANSWERS: readonly BreakerAnswer[] = ['closed', 'probe', 'open'];

export interface SharedLimits {
  /** Whether limits are shared at all (REDIS_URL is set). */
  readonly shared: boolean;
  /** Takes (or renews) one of `limit` slots of `key` for `holder`, for `ttlMs`. */
  acquire(key: string, holder: string, limit: number, ttlMs: number): Promise<boolean | undefined>;
  release(key: string, holder: string): Promise<void>;
  /** Unexpired slots of `key`. */
  count(key: string): Promise<number | undefined>;
  breakerEnter(key: string, threshold: number, holder: string, probeTtlMs: number): Promise<BreakerAnswer | undefined>;
  breakerFailure(key: string, probeHolder: string | undefined, forgetAfterMs: number, probeIntervalMs: number): Promise<number | undefined>;
  breakerSuccess(key: string, probeHolder: string | undefined): Promise<number | undefined>;
  breakerLeave(key: string, probeHolder: string): Promise<void>;
  close(): Promise<void>;
}

/** No Redis: every answer is `undefined`, so every limit counts in this process. */
export const PER_INSTANCE_LIMITS: SharedLimits = {
  shared: false,
  acquire: () => Promise.resolve(undefined),
  release: () => Promise.resolve(),
  count: () => Promise.resolve(undefined),
  breakerEnter: () => Promise.resolve(undefined),
  breakerFailure: () => Promise.resolve(undefined),
  breakerSuccess: () => Promise.resolve(undefined),
  breakerLeave: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

export function createSharedLimits(options: { redisUrl?: string; prefix: string; timeoutMs: number; logger: Logger }): SharedLimits {
  if (!options.redisUrl) return PER_INSTANCE_LIMITS;
  const { logger, prefix } = options;
  // A short command timeout, and no waiting for a lost link: while Redis is away a limit answers at
  // once from this instance's own count rather than stalling a request or a delivery. Only before the
  // first connection do commands wait (up to the timeout), so a starting instance shares at once.
  // ioredis loads only where REDIS_URL is set (the import is the first moment of connecting).
  let connectedOnce = false;
  const connecting: Promise<Redis> = import('ioredis').then(({ Redis }) => {
    const redis = new Redis(options.redisUrl!, {
      lazyConnect: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.timeoutMs,
      enableAutoPipelining: true,
    });
    redis.on('ready', () => {
      connectedOnce = true;
    });
    redis.on('error', () => {});
    return redis;
  });
  let warnedAt = 0;
  const unavailable = (error: unknown): undefined => {
    // One line per 10 s: a Redis outage would otherwise log once per limit check.
    if (Date.now() - warnedAt > 10_000) {
      warnedAt = Date.now();
      logger.warn({ err: error }, 'redis unavailable: limits count per instance until it is back');
    }
    return undefined;
  };
  const run = async (script: string, keys: string[], args: (string | number)[]): Promise<unknown> => {
    const redis = await connecting;
    if (connectedOnce && redis.status !== 'ready') throw new Error(`redis link ${redis.status}`);
    return redis.eval(script, keys.length, ...keys.map((key) => `${prefix}:limits:${key}`), ...args);
  };
  const probeKey = (key: string) => `${key}:probe`;

  return {
    shared: true,
    acquire: (key, holder, limit, ttlMs) => run(ACQUIRE, [key], [holder, limit, Math.max(1, Math.round(ttlMs))]).then((held) => held === 1, unavailable),
    release: (key, holder) =>
      connecting
        .then((redis) => redis.zrem(`${prefix}:limits:${key}`, holder))
        .then(
          () => {},
          (error: unknown) => void unavailable(error),
        ),
    count: (key) => run(COUNT, [key], []).then((count) => Number(count), unavailable),
    breakerEnter: (key, threshold, holder, probeTtlMs) =>
      run(BREAKER_ENTER, [key, probeKey(key)], [threshold, holder, Math.round(probeTtlMs)]).then((answer) => BREAKER_ANSWERS[Number(answer)], unavailable),
    breakerFailure: (key, probeHolder, forgetAfterMs, probeIntervalMs) =>
      run(BREAKER_FAILURE, [key, probeKey(key)], [probeHolder ?? '', Math.round(forgetAfterMs), Math.round(probeIntervalMs)]).then(
        (count) => Number(count),
        unavailable,
      ),
    breakerSuccess: (key, probeHolder) => run(BREAKER_SUCCESS, [key, probeKey(key)], [probeHolder ?? '']).then((count) => Number(count), unavailable),
    breakerLeave: (key, probeHolder) =>
      run(RELEASE_IF_HELD, [probeKey(key)], [probeHolder]).then(
        () => {},
        (error: unknown) => void unavailable(error),
      ),
    async close() {
      const redis = await connecting;
      await redis.quit().catch(() => {});
      redis.disconnect();
    },
  };
}
