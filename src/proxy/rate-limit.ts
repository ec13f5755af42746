// A token bucket per viewer: protects providers (and this server) from one caller's flood.
import { config } from '../config.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const buckets = new Map<string, Bucket>();
const MAX_BUCKETS = 100_000;

/** Takes one request from the viewer's bucket: undefined if allowed, else seconds until one is. */
export function takeRequest(viewerId: string, now = Date.now()): number | undefined {
  const { rateLimitPerSecond: rate, rateLimitBurst: burst } = config.proxy;
  if (rate <= 0) return undefined;
  let bucket = buckets.get(viewerId);
  if (!bucket) {
    if (buckets.size >= MAX_BUCKETS) buckets.clear();
    bucket = { tokens: burst, updatedAt: now };
    buckets.set(viewerId, bucket);
  } else {
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * rate);
    bucket.updatedAt = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return undefined;
  }
  return Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
}

/** Forgets every bucket (tests change the limits between cases). */
export function resetRateLimits(): void {
  buckets.clear();
}
