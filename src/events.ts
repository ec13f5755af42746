// Connection status events. In-process here; the subscriptions feature carries them across
// instances. Events hold ids and status only, never secrets.
import { EventEmitter } from 'node:events';
import type { ConnectionStatus } from './generated/prisma/client.js';

export interface ConnectionStatusEvent {
  connectionId: string;
  integrationId: string;
  integrationSlug: string;
  ownerId: string | null;
  status: ConnectionStatus;
  previousStatus: ConnectionStatus | null;
  reason: string | null;
  sequence: number;
  at: string;
}

const emitter = new EventEmitter();
emitter.setMaxListeners(0);

export function publishStatusEvent(event: ConnectionStatusEvent): void {
  emitter.emit('status', event);
}

export function onStatusEvent(listener: (event: ConnectionStatusEvent) => void): () => void {
  emitter.on('status', listener);
  return () => emitter.off('status', listener);
}
