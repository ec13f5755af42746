import { v7 as uuidv7 } from 'uuid';

/** Time-ordered ids: generated here because each row's envelopes are bound to its id. */
export function newId(): string {
  return uuidv7();
}

/** A UUIDv7 for a given time (the activity log: its ids order operations by when they ended). */
export function newIdAt(msecs: number): string {
  return uuidv7({ msecs });
}

/** The smallest UUIDv7 of a time: `id >= lowestIdAt(t)` selects rows made at t or later (range scans on the primary key). */
export function lowestIdAt(msecs: number): string {
  const hex = Math.max(0, Math.floor(msecs)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}

/** The millisecond time a UUIDv7 was made at (its first 48 bits). */
export function timeOfId(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
