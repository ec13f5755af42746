// ioredis, loaded on first use: only deployments with REDIS_URL pay for it at start.
import type { Redis } from 'ioredis';

/**
 * The Redis client class. Under Node, ioredis's CommonJS exports arrive as named exports; in the
 * bundle (a split chunk) only as the default export, which is the class itself.
 */
export async function loadRedis(): Promise<typeof Redis> {
  const loaded = (await import('ioredis')) as unknown as { Redis?: typeof Redis; default: typeof Redis };
  return loaded.Redis ?? loaded.default;
}
