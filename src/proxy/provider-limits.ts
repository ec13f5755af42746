// Provider-aware rate limits: a bucket per connection holding the calls the provider says are left in
// its current window (from its rate-limit headers), counted down by each call we send and refilled when
// the window resets. At zero the proxy waits (briefly) or refuses, instead of drawing the 429s that get
// a client banned. A 429 (or a provider's own "slow down" status) empties the bucket until the time the
// provider asked for.
//
// Hot path: one Map lookup per call, a few header lookups per answer; a connection enters the map only
// once the provider reports few calls left (PROXY_PROVIDER_LIMIT_TRACK_BELOW), and its entry is updated
// in place.
//
// Per deployment with Redis (SharedLimits): a tracked connection's bucket is also kept in Redis, keyed
// by the connection as here, with its reset on Redis's clock. Each answer that changes it is stored
// there (sent without waiting; one client keeps this instance's commands in order), and each call of a
// connection this instance tracks takes from the shared bucket (one round trip), so all instances
// together send no more than the provider said was left. A connection this instance has not seen near
// its limit goes without asking (its first answer here tracks it). While Redis does not answer, the
// local bucket counts alone (fails open to per instance, as before: each instance counts its own calls
// and every answer's headers bring it back to the provider's count).
import { LRUCache } from 'lru-cache';
import { lazy } from '../kernel/lazy.js';
import { RATE_LIMIT_RESET_FORMATS } from '../catalog/schema.js';
import { PER_INSTANCE_LIMITS, type ProviderObservation, type SharedLimits } from '../kernel/shared-limits.js';
import type { ProxySettings } from './settings.js';

export type RateLimitResetFormat = (typeof RATE_LIMIT_RESET_FORMATS)[number];

/** How one provider reports its limits: read once per integration (rules.ts caches it). */
export interface ProviderLimitRules {
  /** Header names (lower case); without remainingHeader, the common ones are read. */
  remainingHeader?: string;
  resetHeader?: string;
  resetFormat: RateLimitResetFormat;
  /** Statuses that mean "slow down" (429, a 403 with no calls left, and the provider's own). */
  rateLimitStatuses: ReadonlySet<number>;
  /** Statuses retried with backoff for idempotent methods. */
  retryableStatuses: ReadonlySet<number>;
}

export const DEFAULT_RETRYABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);
/** 429, and a 403 that comes with no calls left or a Retry-After (GitHub's primary and secondary limits). */
const DEFAULT_RATE_LIMIT_STATUSES: ReadonlySet<number> = new Set([429, 403]);

interface ProxyLimitSettings {
  rateLimitRemainingHeader?: string;
  rateLimitResetHeader?: string;
  rateLimitResetFormat?: RateLimitResetFormat;
  rateLimitStatuses?: number[];
  retryableStatuses?: number[];
}

/** The rules from an integration's settings.proxy (a catalog template's `proxy`, or set by hand). */
export function providerLimitRules(proxy: ProxyLimitSettings): ProviderLimitRules {
  const format = proxy.rateLimitResetFormat && RATE_LIMIT_RESET_FORMATS.includes(proxy.rateLimitResetFormat) ? proxy.rateLimitResetFormat : 'auto';
  return {
    remainingHeader: proxy.rateLimitRemainingHeader?.toLowerCase(),
    resetHeader: proxy.rateLimitResetHeader?.toLowerCase(),
    resetFormat: format,
    rateLimitStatuses: proxy.rateLimitStatuses?.length ? new Set([...DEFAULT_RATE_LIMIT_STATUSES, ...proxy.rateLimitStatuses]) : DEFAULT_RATE_LIMIT_STATUSES,
    retryableStatuses: proxy.retryableStatuses?.length ? new Set(proxy.retryableStatuses) : DEFAULT_RETRYABLE_STATUSES,
  };
}

interface Bucket {
  /** Calls we may still send before resetAt. */
  tokens: number;
  /** When the provider's window resets (epoch ms): the bucket is forgotten then. */
  resetAt: number;
}

/** A reset further away than this is not believed (a misread header must not block for ever). */
const MAX_RESET_MS = 24 * 60 * 60 * 1000;
/** The same for a reset whose format was guessed ("auto"): some send a delay in milliseconds. */
const MAX_GUESSED_RESET_MS = 60 * 60 * 1000;
/** A "slow down" answer that says not for how long. */
const UNKNOWN_WAIT_MS = 1000;

export type ProviderLimits = ReturnType<typeof createProviderLimits>;

/** The buckets of an app's proxy (PROXY_PROVIDER_LIMIT_*). */
export function createProviderLimits(
  settings: Pick<ProxySettings['providerLimits'], 'reserve' | 'trackBelow' | 'maxConnections'>,
  shared: SharedLimits = PER_INSTANCE_LIMITS,
) {
  // ttlResolution 0: the clock read on each lookup (the default caches it with a 1 ms timer, a timer every few calls).
  const buckets = lazy(() => new LRUCache<string, Bucket>({ max: settings.maxConnections, ttlResolution: 0 }));
  const sharedKey = (connectionId: string) => `provider:${connectionId}`;
  /**
   * Calls on their way to connections not tracked here (none taken from a bucket). When an answer
   * starts tracking a connection, the provider's count may not include them yet: they are taken from
   * the new bucket at once, or they would be sent on top of what it said was left.
   */
  const untrackedInFlight = new Map<string, number>();

  /**
   * Takes one call from the connection's bucket: undefined if it may go now, else the milliseconds until
   * the provider's window resets. A plain value for a connection not tracked here; a promise when the
   * shared bucket is asked.
   */
  function take(connectionId: string, now = Date.now()): number | undefined | Promise<number | undefined> {
    if (!shared.shared || !buckets().has(connectionId)) return takeLocal(connectionId, now);
    return shared.providerTake(sharedKey(connectionId), settings.reserve).then((answer) => {
      if (answer === undefined) return takeLocal(connectionId);
      if (!answer.go) return answer.waitMs;
      const bucket = buckets().get(connectionId);
      // The shared count is the truth while Redis answers; the local one follows it for when it does not.
      if (answer.tokensLeft === undefined) buckets().delete(connectionId);
      else if (bucket !== undefined) bucket.tokens = answer.tokensLeft;
      return undefined;
    });
  }

  /** Just before a call is sent: counts it as in flight if the connection is not tracked (then no bucket gave it a call). */
  function sending(connectionId: string): boolean {
    if (buckets().has(connectionId)) return false;
    untrackedInFlight.set(connectionId, (untrackedInFlight.get(connectionId) ?? 0) + 1);
    return true;
  }

  /** An untracked call's answer (or failure) came back. */
  function sent(connectionId: string): void {
    const left = (untrackedInFlight.get(connectionId) ?? 1) - 1;
    if (left > 0) untrackedInFlight.set(connectionId, left);
    else untrackedInFlight.delete(connectionId);
  }

  function publish(connectionId: string, observed: ProviderObservation): void {
    if (shared.shared) void shared.providerObserve(sharedKey(connectionId), observed);
  }

  function takeLocal(connectionId: string, now = Date.now()): number | undefined {
    const bucket = buckets().get(connectionId);
    if (bucket === undefined) return undefined;
    if (now >= bucket.resetAt) {
      buckets().delete(connectionId);
      return undefined;
    }
    if (bucket.tokens > settings.reserve) {
      bucket.tokens -= 1;
      return undefined;
    }
    return bucket.resetAt - now;
  }

  type Headers = Record<string, string | string[] | undefined>;

  function header(headers: Headers, name: string): string | undefined {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  }

  /**
   * Feeds the connection's bucket from an answer: the calls left and the window's reset, or, for a
   * "slow down" answer, nothing left until the time asked for. Returns whether the answer was one.
   */
  function observe(connectionId: string, statusCode: number, headers: Headers, rules: ProviderLimitRules, now = Date.now(), untrackedCall = false): boolean {
    let remaining: number | undefined;
    let resetMs: number | undefined;
    let maxResetMs = rules.resetFormat === 'auto' ? MAX_GUESSED_RESET_MS : MAX_RESET_MS;
    if (rules.remainingHeader) {
      remaining = count(header(headers, rules.remainingHeader));
      const reset = rules.resetHeader ? header(headers, rules.resetHeader) : undefined;
      if (reset !== undefined) resetMs = delayMs(reset, rules.resetFormat, now);
    } else {
      // The common spellings, most standard first (IETF RateLimit-*, then the X- forms).
      let resetName = 'ratelimit-reset';
      let found = header(headers, 'ratelimit-remaining');
      if (found === undefined) {
        found = header(headers, 'x-ratelimit-remaining');
        resetName = 'x-ratelimit-reset';
      }
      if (found === undefined) {
        found = header(headers, 'x-rate-limit-remaining');
        resetName = 'x-rate-limit-reset';
      }
      if (found !== undefined) {
        remaining = count(found);
        const reset = header(headers, resetName);
        // A template that names only the reset header (GitHub's, X's) says how to read it.
        const format = resetName === rules.resetHeader ? rules.resetFormat : 'auto';
        if (format === 'auto') maxResetMs = MAX_GUESSED_RESET_MS;
        if (reset !== undefined) resetMs = delayMs(reset, format, now);
      } else {
        const combined = header(headers, 'ratelimit');
        if (combined !== undefined) [remaining, resetMs] = parseRateLimitField(combined);
      }
    }

    const retryAfter = header(headers, 'retry-after');
    const limited = rules.rateLimitStatuses.has(statusCode) && (statusCode === 429 || remaining === 0 || retryAfter !== undefined);
    if (limited) {
      const asked = retryAfter !== undefined ? retryAfterMs(retryAfter, now) : undefined;
      const wait = asked !== undefined ? Math.min(asked, MAX_RESET_MS) : Math.min(resetMs ?? UNKNOWN_WAIT_MS, maxResetMs);
      store(connectionId, 0, now + wait, now);
      publish(connectionId, { mode: 'limited', remaining: 0, resetMs: wait });
      return true;
    }
    if (remaining === undefined || resetMs === undefined) return false;
    const bucket = buckets().get(connectionId);
    if (remaining >= settings.trackBelow) {
      // A new window with plenty left.
      if (bucket !== undefined) {
        buckets().delete(connectionId);
        publish(connectionId, { mode: 'forget' });
      }
      return false;
    }
    const resetAt = now + Math.min(resetMs, maxResetMs);
    if (bucket !== undefined && Math.abs(bucket.resetAt - resetAt) < 1000) {
      // The same window: the provider's count does not know about our calls still in flight, ours does.
      bucket.tokens = Math.min(bucket.tokens, remaining);
      publish(connectionId, { mode: 'count', remaining, resetMs: resetAt - now, inFlight: 0, untrackedCall: false });
    } else {
      const inFlight = untrackedInFlight.get(connectionId) ?? 0;
      store(connectionId, Math.max(0, remaining - inFlight), resetAt, now);
      publish(connectionId, { mode: 'count', remaining, resetMs: resetAt - now, inFlight, untrackedCall });
    }
    return false;
  }

  /** A bucket lives until its window resets; past maxConnections the least recently used go first. */
  function store(connectionId: string, tokens: number, resetAt: number, now: number): void {
    buckets().set(connectionId, { tokens, resetAt }, { ttl: Math.max(1, resetAt - now) });
  }

  return {
    /**
     * Takes one call from the connection's bucket: undefined if it may go now, else the milliseconds
     * until the provider's window resets.
     */
    take,
    /**
     * Feeds the connection's bucket from an answer (`untrackedCall`: to a call sent untracked, after
     * `sent`); returns whether it was a "slow down" answer.
     */
    observe,
    /** Just before a call is sent: whether it goes untracked (then `sent` must follow its answer or failure). */
    sending,
    sent,
    /** Connections tracked now (tests and metrics). */
    trackedConnections: () => buckets().size,
  };
}

const NUMBER = /^\s*\d+(\.\d+)?\s*$/;

/** A count of calls left ("42", Reddit's "598.0"); anything else is not read. */
function count(text: string | undefined): number | undefined {
  if (text === undefined || !NUMBER.test(text)) return undefined;
  return Math.floor(Number(text));
}

/** Milliseconds until a reset given in `format`, never negative; undefined when unreadable. */
export function delayMs(text: string, format: RateLimitResetFormat, now = Date.now()): number | undefined {
  let ms: number;
  if (NUMBER.test(text)) {
    const value = Number(text);
    switch (format) {
      case 'epoch-seconds':
        ms = value * 1000 - now;
        break;
      case 'epoch-milliseconds':
        ms = value - now;
        break;
      case 'delta-milliseconds':
        ms = value;
        break;
      case 'delta-seconds':
      case 'duration':
        ms = value * 1000;
        break;
      case 'date':
        return undefined;
      case 'auto':
        // Past a billion it is a Unix time (seconds until 2286, then milliseconds); below, a delay.
        ms = value >= 1e12 ? value - now : value >= 1e9 ? value * 1000 - now : value * 1000;
        break;
    }
  } else if (format === 'duration' || (format === 'auto' && DURATION.test(text))) {
    const parsed = durationMs(text);
    if (parsed === undefined) return undefined;
    ms = parsed;
  } else if (format === 'date' || format === 'auto') {
    const date = Date.parse(text);
    if (Number.isNaN(date)) return undefined;
    ms = date - now;
  } else {
    return undefined;
  }
  return Math.max(0, Math.ceil(ms));
}

const DURATION = /^\s*(\d+(\.\d+)?(h|ms|m|s))+\s*$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(h|ms|m|s)/g;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** A Go-style duration as OpenAI and Groq send it: "1s", "6m0s", "2m59.56s", "20ms". */
function durationMs(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, value, unit] of text.matchAll(DURATION_PART)) total += Number(value) * UNIT_MS[unit!]!;
  return total;
}

/** Retry-After: delay-seconds or an HTTP-date. */
function retryAfterMs(text: string, now: number): number | undefined {
  if (NUMBER.test(text)) return Math.max(0, Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The single RateLimit field: the IETF draft's structured form (`"default";r=50;t=30`) or its
 * earlier list form (`limit=100, remaining=50, reset=5`, as Close sends it). Reset is in seconds.
 */
export function parseRateLimitField(text: string): [remaining: number | undefined, resetMs: number | undefined] {
  const remaining = /(?:^|[;,\s])(?:r|remaining)=(\d+)/.exec(text);
  const reset = /(?:^|[;,\s])(?:t|reset)=(\d+)/.exec(text);
  return [remaining ? Number(remaining[1]) : undefined, reset ? Number(reset[1]) * 1000 : undefined];
}
