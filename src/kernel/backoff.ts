// Waiting between attempts: one exponential backoff and one jitter for every retry loop (token
// refresh cooldowns, proxied retries, saves retried while the database blips, lease polling,
// webhook schedules, periodic jobs), so that instances never retry in step.

/** `ms` spread by ±`fraction` (0.2: anywhere from 80 % to 120 %). */
export function withJitter(ms: number, fraction: number): number {
  return Math.round(ms * (1 - fraction + Math.random() * 2 * fraction));
}

export interface BackoffOptions {
  /** The first wait. */
  baseMs: number;
  /** No wait is longer (before jitter). */
  maxMs: number;
  /** ±fraction of jitter (default 0.2). */
  jitter?: number;
}

/** base × 2^(attempt − 1), capped at max, with jitter: attempt 1 waits about base. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const exponential = Math.min(options.baseMs * 2 ** Math.max(0, attempt - 1), options.maxMs);
  return withJitter(exponential, options.jitter ?? 0.2);
}
