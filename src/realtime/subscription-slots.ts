// Subscription slots per deployment: with Redis, each open subscription holds a slot of its user's (or
// connect session's) set in Redis, a lease renewed while it stays open, so a cap holds across
// instances and a crashed instance's slots expire by themselves (SLOT_TTL_MS). Every slot is also in
// one deployment-wide set: the per-deployment subscriptions gauge counts it.
//
// While Redis does not answer, a new subscription is counted on this instance only (fails open to
// per instance: up to N x the cap with N instances) rather than refusing every subscriber.
import { randomBytes } from 'node:crypto';
import type { SharedLimits } from '../kernel/shared-limits.js';

/** A slot outlives its last renewal by this much: a crashed instance's subscriptions free their slots then. */
const SLOT_TTL_MS = 90_000;
/** Open slots are renewed this often (a third of their life, so one missed renewal loses none). */
const RENEW_EVERY_MS = SLOT_TTL_MS / 3;
const ALL = 'subscriptions:all';

export interface SubscriptionSlots {
  /** Takes one of `key`'s `limit` slots: false when the deployment already holds them all; else the release. */
  claim(key: string, limit: number): Promise<false | (() => void)>;
  /** Subscriptions open across the deployment (undefined without Redis or while it does not answer). */
  deploymentCount(): Promise<number | undefined>;
  stop(): void;
}

export function createSubscriptionSlots(limits: SharedLimits): SubscriptionSlots {
  const instance = randomBytes(8).toString('hex');
  let sequence = 0;
  /** Slots held here in Redis: holder → key. */
  const held = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  const renew = () => {
    for (const [holder, key] of held) {
      // A slot lost meanwhile (Redis restarted) is taken again if there is room; the subscription stays open either way.
      void limits.acquire(`subscriptions:${key}`, holder, Number.MAX_SAFE_INTEGER, SLOT_TTL_MS);
      void limits.acquire(ALL, holder, Number.MAX_SAFE_INTEGER, SLOT_TTL_MS);
    }
  };

  return {
    async claim(key, limit) {
      if (!limits.shared) return () => {};
      const holder = `${instance}:${++sequence}`;
      const slot = await limits.acquire(`subscriptions:${key}`, holder, limit, SLOT_TTL_MS);
      if (slot === false) return false;
      if (slot === undefined) return () => {};
      held.set(holder, key);
      void limits.acquire(ALL, holder, Number.MAX_SAFE_INTEGER, SLOT_TTL_MS);
      if (!timer) {
        timer = setInterval(renew, RENEW_EVERY_MS);
        timer.unref();
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        held.delete(holder);
        void limits.release(`subscriptions:${key}`, holder);
        void limits.release(ALL, holder);
        if (!held.size) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    deploymentCount: () => (limits.shared ? limits.count(ALL) : Promise.resolve(undefined)),
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
