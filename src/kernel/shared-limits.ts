// Limits held per deployment: counters and leases in Redis, each step one Lua script (atomic, and
// timed with Redis's own clock, so instances' clocks do not matter). The scripts are defined once per
// client (ioredis `defineCommand`), so each call sends EVALSHA with the script's hash, not its text
// (reloaded at once on a NOSCRIPT answer, e.g. after Redis restarted). Every call answers `undefined`
// when Redis does not answer within the timeout (down, or no REDIS_URL): the caller then falls back
// to its own per-instance count, and says in its comment whether that fails open or closed.
import type { Redis } from 'ioredis';
import { loadRedis } from './ioredis.js';
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
 * Returns {0} closed, {1} probe, {2, ms until the probe key ends} open (the next probe may go then).
 */
const BREAKER_ENTER = `
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures < tonumber(ARGV[1]) then return {0, 0} end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', tonumber(ARGV[3])) then return {1, 0} end
return {2, redis.call('PTTL', KEYS[2])}`;

/**
 * A failure: counted (forgotten after ARGV[2] ms of no news); a failed probe's lease is kept ARGV[3] ms
 * more (the probe interval), so the next probe, from whichever instance, waits that long.
 * KEYS failures, probe; ARGV holder or '', forget ms, interval ms. Returns {the count, ms until the
 * probe key ends (negative when there is none: a probe may go now)}.
 */
const BREAKER_FAILURE = `
local failures = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) == ARGV[1] then
  if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3])) else redis.call('DEL', KEYS[2]) end
end
return {failures, redis.call('PTTL', KEYS[2])}`;

/** A success: the count is reset; returns the count it had. KEYS failures, probe; ARGV holder or ''. */
const BREAKER_SUCCESS = `
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
redis.call('DEL', KEYS[1])
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
return failures`;

/** A probe left without an outcome. KEYS probe; ARGV holder. */
const RELEASE_IF_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Takes one call from a provider's rate-limit bucket (per connection). KEYS bucket (a hash: tokens,
 * resetAt on Redis's clock); ARGV reserve. Returns {1, tokens left} when the call may go (the bucket
 * unknown or its window over: {1, -1}), {0, ms until the window resets} when it may not.
 */
const PROVIDER_TAKE = `${NOW}
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'resetAt')
local tokens = tonumber(bucket[1])
local resetAt = tonumber(bucket[2])
if not tokens or not resetAt or now >= resetAt then
  redis.call('DEL', KEYS[1])
  return {1, -1}
end
if tokens > tonumber(ARGV[1]) then
  return {1, redis.call('HINCRBY', KEYS[1], 'tokens', -1)}
end
return {0, resetAt - now}`;

/**
 * What a provider's answer said about a connection's bucket. KEYS bucket; ARGV mode, calls left,
 * ms until the window resets, calls the instance sent untracked still in flight, 1 if the answer is to
 * an untracked call. Modes: 'limited' (a "slow down" answer: nothing left until then), 'count' (calls
 * left in the window: within the same window, the lower of ours and the provider's, since the
 * provider's count does not know about calls still in flight; less the untracked calls, which no bucket
 * counted: the provider's count includes the answered one), 'forget' (a new window with plenty left). Returns the calls left in the bucket (-1 when forgotten).
 */
const PROVIDER_OBSERVE = `${NOW}
local mode = ARGV[1]
if mode == 'forget' then
  redis.call('DEL', KEYS[1])
  return -1
end
local remaining = tonumber(ARGV[2])
local wait = math.max(1, tonumber(ARGV[3]))
local resetAt = now + wait
if mode == 'count' then
  local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'resetAt')
  local tokens = tonumber(bucket[1])
  local knownReset = tonumber(bucket[2])
  if tokens and knownReset and now < knownReset and math.abs(knownReset - resetAt) < 1000 then
    remaining = math.min(tokens - tonumber(ARGV[5]), remaining)
    resetAt = knownReset
  end
end
remaining = math.max(0, remaining - tonumber(ARGV[4]))
redis.call('HSET', KEYS[1], 'tokens', remaining, 'resetAt', resetAt)
redis.call('PEXPIREAT', KEYS[1], resetAt)
return remaining`;

/** The scripts, as the commands each client defines: name, keys, source. */
const SCRIPTS = {
  limitAcquire: [1, ACQUIRE],
  limitCount: [1, COUNT],
  breakerEnter: [2, BREAKER_ENTER],
  breakerFailure: [2, BREAKER_FAILURE],
  breakerSuccess: [2, BREAKER_SUCCESS],
  releaseIfHeld: [1, RELEASE_IF_HELD],
  providerTake: [1, PROVIDER_TAKE],
  providerObserve: [1, PROVIDER_OBSERVE],
} as const satisfies Record<string, readonly [number, string]>;
type ScriptName = keyof typeof SCRIPTS;

type BreakerAnswer = 'closed' | 'probe' | 'open';
const BREAKER_ANSWERS: readonly BreakerAnswer[] = ['closed', 'probe', 'open'];

/** What the shared breaker answered, and when its next probe may go (so an instance can try it then). */
export interface BreakerEntry {
  answer: BreakerAnswer;
  /** 'open': ms until the probe key ends (a failed probe's interval, or a running probe's lease). */
  probeKeyMs: number;
}

export interface BreakerFailure {
  /** Consecutive failures counted for the deployment. */
  failures: number;
  /** Ms until the probe key ends: 0 when a probe may go now. */
  probeKeyMs: number;
}

export interface SharedLimits {
  /** Whether limits are shared at all (REDIS_URL is set). */
  readonly shared: boolean;
  /** Takes (or renews) one of `limit` slots of `key` for `holder`, for `ttlMs`. */
  acquire(key: string, holder: string, limit: number, ttlMs: number): Promise<boolean | undefined>;
  release(key: string, holder: string): Promise<void>;
  /** Unexpired slots of `key`. */
  count(key: string): Promise<number | undefined>;
  breakerEnter(key: string, threshold: number, holder: string, probeTtlMs: number): Promise<BreakerEntry | undefined>;
  breakerFailure(key: string, probeHolder: string | undefined, forgetAfterMs: number, probeIntervalMs: number): Promise<BreakerFailure | undefined>;
  breakerSuccess(key: string, probeHolder: string | undefined): Promise<number | undefined>;
  breakerLeave(key: string, probeHolder: string): Promise<void>;
  /**
   * Takes one call from a provider's shared bucket: `{ go: true }` (with the calls left, or none when
   * the bucket is unknown), `{ go: false, waitMs }` until its window resets.
   */
  providerTake(key: string, reserve: number): Promise<ProviderTake | undefined>;
  /** Stores what a provider's answer said about its bucket (see PROVIDER_OBSERVE). */
  providerObserve(key: string, observed: ProviderObservation): Promise<void>;
  close(): Promise<void>;
}

export type ProviderTake = { go: true; tokensLeft: number | undefined } | { go: false; waitMs: number };
export type ProviderObservation =
  | { mode: 'limited'; remaining: 0; resetMs: number }
  /**
   * `inFlight`: calls the instance sent untracked that are still on their way; `untrackedCall`: the
   * answer is to such a call. No bucket counted them: they are taken from it at once.
   */
  | { mode: 'count'; remaining: number; resetMs: number; inFlight: number; untrackedCall: boolean }
  | { mode: 'forget' };

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
  providerTake: () => Promise.resolve(undefined),
  providerObserve: () => Promise.resolve(),
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
  const connecting: Promise<Redis> = loadRedis().then((Redis) => {
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
    for (const [name, [numberOfKeys, lua]] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys, lua });
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
  const run = async (script: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown> => {
    const redis = await connecting;
    if (connectedOnce && redis.status !== 'ready') throw new Error(`redis link ${redis.status}`);
    const scripts = redis as unknown as Record<ScriptName, (...keysAndArgs: (string | number)[]) => Promise<unknown>>;
    return scripts[script](...keys.map((key) => `${prefix}:limits:${key}`), ...args);
  };
  const probeKey = (key: string) => `${key}:probe`;

  return {
    shared: true,
    acquire: (key, holder, limit, ttlMs) => run('limitAcquire', [key], [holder, limit, Math.max(1, Math.round(ttlMs))]).then((held) => held === 1, unavailable),
    release: (key, holder) =>
      connecting
        .then((redis) => redis.zrem(`${prefix}:limits:${key}`, holder))
        .then(
          () => {},
          (error: unknown) => void unavailable(error),
        ),
    count: (key) => run('limitCount', [key], []).then((count) => Number(count), unavailable),
    breakerEnter: (key, threshold, holder, probeTtlMs) =>
      run('breakerEnter', [key, probeKey(key)], [threshold, holder, Math.round(probeTtlMs)]).then((entry): BreakerEntry => {
        const [answer, probeKeyMs] = entry as [number, number];
        return { answer: BREAKER_ANSWERS[answer]!, probeKeyMs: Math.max(0, probeKeyMs) };
      }, unavailable),
    breakerFailure: (key, probeHolder, forgetAfterMs, probeIntervalMs) =>
      run('breakerFailure', [key, probeKey(key)], [probeHolder ?? '', Math.round(forgetAfterMs), Math.round(probeIntervalMs)]).then(
        (counted): BreakerFailure => {
          const [failures, probeKeyMs] = counted as [number, number];
          return { failures, probeKeyMs: Math.max(0, probeKeyMs) };
        },
        unavailable,
      ),
    breakerSuccess: (key, probeHolder) => run('breakerSuccess', [key, probeKey(key)], [probeHolder ?? '']).then((count) => Number(count), unavailable),
    breakerLeave: (key, probeHolder) =>
      run('releaseIfHeld', [probeKey(key)], [probeHolder]).then(
        () => {},
        (error: unknown) => void unavailable(error),
      ),
    providerTake: (key, reserve) =>
      run('providerTake', [key], [reserve]).then((answer): ProviderTake => {
        const [go, value] = answer as [number, number];
        return go === 1 ? { go: true, tokensLeft: value >= 0 ? value : undefined } : { go: false, waitMs: value };
      }, unavailable),
    providerObserve: (key, observed) =>
      run(
        'providerObserve',
        [key],
        observed.mode === 'forget'
          ? ['forget', 0, 0, 0, 0]
          : observed.mode === 'count'
            ? ['count', observed.remaining, Math.max(1, Math.round(observed.resetMs)), observed.inFlight, observed.untrackedCall ? 1 : 0]
            : ['limited', 0, Math.max(1, Math.round(observed.resetMs)), 0, 0],
      ).then(
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
