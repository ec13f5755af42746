// A typed, synchronous event bus: a use case announces what happened once, after its commit, and
// the side effects (activity log, metrics, caches, subscriptions, webhooks) subscribe. A listener
// that throws is reported and skipped: a side effect never fails the act that announced it, nor the
// other listeners.

export type EventMap = object;
export type Listener<Event> = (event: Event) => void;

export class EventBus<Events extends EventMap> {
  private readonly listeners = new Map<keyof Events, Array<Listener<never>>>();

  constructor(private readonly onListenerError: (error: unknown, type: keyof Events) => void) {}

  /** Subscribes; returns the unsubscribe. */
  on<Type extends keyof Events>(type: Type, listener: Listener<Events[Type]>): () => void {
    // Copied on write: emit iterates without a copy, and a listener may unsubscribe while it runs.
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener as Listener<never>]);
    return () => {
      const current = this.listeners.get(type) ?? [];
      this.listeners.set(
        type,
        current.filter((candidate) => candidate !== listener),
      );
    };
  }

  emit<Type extends keyof Events>(type: Type, event: Events[Type]): void {
    const listeners = this.listeners.get(type);
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        (listener as Listener<Events[Type]>)(event);
      } catch (error) {
        this.onListenerError(error, type);
      }
    }
  }

  listenerCount(type: keyof Events): number {
    return this.listeners.get(type)?.length ?? 0;
  }
}
