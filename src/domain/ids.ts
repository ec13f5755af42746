import { v7 as uuidv7 } from 'uuid';

/** Time-ordered ids: generated here because each row's envelopes are bound to its id. */
export function newId(): string {
  return uuidv7();
}
