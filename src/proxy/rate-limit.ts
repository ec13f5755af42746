// A token bucket per viewer: protects providers (and this server) from one caller's flood. The
// buckets of the viewers seen least recently are forgotten first when there are too many (a flood of
// new viewer ids forgets old, idle buckets, never everyone's at once).
import { LRUCache } from 'lru-cache';
import { lazy } from '../kernel/lazy.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export function createViewerRateLimit(settings: { perSecond: number; burst: number; maxViewers: number }) {
  const buckets = lazy(() => new LRUCache<string, Bucket>({ max: settings.maxViewers }));
  return {
    /** Takes one request from the viewer's bucket: undefined if allowed, else seconds until one is. */
    take(viewerId: string, now = Date.now()): number | undefined {
      const { perSecond: rate, burst } = settings;
      if (rate <= 0) return undefined;
      let bucket = buckets().get(viewerId);
      if (!bucket) {
        bucket = { tokens: burst, updatedAt: now };
        buckets().set(viewerId, bucket);
      } else {
        bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * rate);
        bucket.updatedAt = now;
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return undefined;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
    },
  };
}
