// Token requests in flight per integration (its token endpoint): REFRESH_TOKEN_ENDPOINT_CONCURRENCY.
// Every token request of a refresh takes a slot first, whatever started it (the sweep, a breaker
// probe, a caller). This instance counts its own slots; with Redis (SharedLimits) each one is also a
// slot of the deployment's, a lease as long as the request may take, so a crashed instance's slots
// free themselves. While Redis does not answer (or without REDIS_URL) the instance's own count holds
// alone: fails open to per instance (up to N × the setting with N instances), as the webhook endpoint
// slots do, so refreshing never stops.
//
// A request that finds every slot taken waits until its deadline (the refresh lease must outlive the
// request): in this instance in turn, callers before the background refresher; across instances by
// asking Redis again every SHARED_RETRY_MS. Past the deadline it gets no slot and is not sent.
import { setTimeout as sleep } from 'node:timers/promises';
import { withJitter } from '../kernel/backoff.js';
import type { SharedLimits } from '../kernel/shared-limits.js';

/** How soon a request whose integration's slots were all held by other instances asks Redis again. */
const SHARED_RETRY_MS = 25;

export interface EndpointSlotRequest {
  /** Who holds the slot: unique to the request (the same holder asking again renews its slot). */
  holder: string;
  /** performance.now() by which the request must have started; past it, no slot. */
  startBy: number;
  /** The longest the request may take: a crashed holder's shared slot ends this long after it was taken. */
  requestMs: number;
  /** A refresh someone is waiting for (a caller's), served before the background refresher's in this instance. */
  urgent: boolean;
}

/** A held slot; `release` gives it back (once the provider has answered). */
export interface EndpointSlot {
  release(): void;
}

interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}

interface LocalSlots {
  held: number;
  urgent: Waiter[];
  background: Waiter[];
}

export type TokenEndpointSlots = ReturnType<typeof createTokenEndpointSlots>;

export function createTokenEndpointSlots(deps: { limit: number; limits: SharedLimits }) {
  const { limit, limits } = deps;
  const local = new Map<string, LocalSlots>();
  const key = (integrationId: string) => `token-endpoint:${integrationId}`;

  /** One of this instance's slots of the integration, waiting in turn until `startBy`; false past it. */
  function takeLocal(integrationId: string, request: EndpointSlotRequest): boolean | Promise<boolean> {
    let slots = local.get(integrationId);
    if (!slots) local.set(integrationId, (slots = { held: 0, urgent: [], background: [] }));
    if (slots.held < limit && !slots.urgent.length && !slots.background.length) {
      slots.held++;
      return true;
    }
    const waitMs = request.startBy - performance.now();
    if (waitMs <= 0) return false;
    const queue = request.urgent ? slots.urgent : slots.background;
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        // A slot handed over by releaseLocal: `held` stays as it is.
        grant: () => {
          clearTimeout(waiter.timer);
          resolve(true);
        },
        timer: setTimeout(() => {
          queue.splice(queue.indexOf(waiter), 1);
          forgetIfIdle(integrationId, slots);
          resolve(false);
        }, waitMs),
      };
      queue.push(waiter);
    });
  }

  function releaseLocal(integrationId: string): void {
    const slots = local.get(integrationId);
    if (!slots) return;
    const next = slots.urgent.shift() ?? slots.background.shift();
    if (next) return next.grant();
    slots.held--;
    forgetIfIdle(integrationId, slots);
  }

  function forgetIfIdle(integrationId: string, slots: LocalSlots): void {
    if (!slots.held && !slots.urgent.length && !slots.background.length) local.delete(integrationId);
  }

  /** Asks Redis for one of the deployment's slots until `startBy`: true held, undefined Redis did not answer, false none in time. */
  async function takeShared(integrationId: string, request: EndpointSlotRequest): Promise<boolean | undefined> {
    for (;;) {
      const held = await limits.acquire(key(integrationId), request.holder, limit, request.requestMs);
      if (held !== false) return held;
      const retryMs = withJitter(SHARED_RETRY_MS, 0.5);
      if (performance.now() + retryMs > request.startBy) return false;
      await sleep(retryMs);
    }
  }

  return {
    /** A slot for one token request to the integration's endpoint, or undefined when none came free by `request.startBy`. */
    async take(integrationId: string, request: EndpointSlotRequest): Promise<EndpointSlot | undefined> {
      if (performance.now() > request.startBy || !(await takeLocal(integrationId, request))) return undefined;
      const shared = limits.shared ? await takeShared(integrationId, request) : undefined;
      if (shared === false) {
        releaseLocal(integrationId);
        return undefined;
      }
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          releaseLocal(integrationId);
          // Sent at once on the shared link (auto-pipelined), so it reaches Redis before a later take.
          if (shared) void limits.release(key(integrationId), request.holder);
        },
      };
    },
  };
}
