import { randomFillSync } from 'node:crypto';

// UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, version 7, then a 32-bit counter seeded at random
// each millisecond (so ids made in one process sort in the order they were made), then random bits.
// Made here rather than with the uuid package, which asks the system for 16 random bytes per id:
// the activity log takes an id per proxied call, so random bytes are drawn from a pool instead.

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const POOL_SIZE = 16 * 256;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** 16 fresh random bytes, at `offset` in the pool. */
function randomSlot(): number {
  if (poolOffset + 16 > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const offset = poolOffset;
  poolOffset += 16;
  return offset;
}

function format(msecs: number, seq: number, random: number): string {
  const high = Math.floor(msecs / 0x1_0000_0000);
  const low = msecs >>> 0;
  const bytes = [
    (high >>> 8) & 0xff,
    high & 0xff,
    low >>> 24,
    (low >>> 16) & 0xff,
    (low >>> 8) & 0xff,
    low & 0xff,
    0x70 | ((seq >>> 28) & 0x0f),
    (seq >>> 20) & 0xff,
    0x80 | ((seq >>> 14) & 0x3f),
    (seq >>> 6) & 0xff,
    ((seq << 2) & 0xff) | (pool[random + 4]! & 0x03),
    pool[random + 5]!,
    pool[random + 6]!,
    pool[random + 7]!,
    pool[random + 8]!,
    pool[random + 9]!,
  ].map((byte) => HEX[byte]!);
  return `${bytes.slice(0, 4).join('')}-${bytes.slice(4, 6).join('')}-${bytes.slice(6, 8).join('')}-${bytes.slice(8, 10).join('')}-${bytes.slice(10).join('')}`;
}

let lastMsecs = -1;
let lastSeq = 0;

/** Time-ordered ids: generated here because each row's envelopes are bound to its id. Monotonic within the process. */
export function newId(): string {
  const now = Date.now();
  const random = randomSlot();
  if (now > lastMsecs) {
    lastMsecs = now;
    // Seeded below 2^31 so that a millisecond has room for two billion more ids.
    lastSeq = pool.readUInt32BE(random) >>> 1;
  } else if (++lastSeq > 0xffff_ffff) {
    // The counter ran out within one millisecond: borrow the next one (as RFC 9562 allows).
    lastMsecs++;
    lastSeq = 0;
  }
  return format(lastMsecs, lastSeq, random);
}

/** A UUIDv7 for a given time (the activity log: its ids order operations by when they ended). */
export function newIdAt(msecs: number): string {
  const random = randomSlot();
  return format(Math.max(0, Math.floor(msecs)), pool.readUInt32BE(random), random);
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
