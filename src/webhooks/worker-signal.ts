// Wakes this process's delivery workers (a redelivery, an endpoint enabled again) without waiting for the poll.
const listeners = new Set<() => void>();

export function onWebhookNudge(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function nudgeWebhookWorkers(): void {
  for (const listener of listeners) listener();
}
