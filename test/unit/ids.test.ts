// Ids are UUIDv7 (RFC 9562), made from a pool of random bytes: valid, unique, time-ordered, and in
// the order they were made within a process (the activity log pages by id).
import { validate, version } from 'uuid';
import { describe, expect, it, vi } from 'vitest';
import { lowestIdAt, newId, newIdAt, timeOfId } from '../../src/kernel/ids.js';

describe('ids', () => {
  it('are valid, unique version-7 UUIDs carrying the time they were made', () => {
    const before = Date.now();
    const ids = Array.from({ length: 20_000 }, newId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => validate(id) && version(id) === 7)).toBe(true);
    expect(timeOfId(ids[0]!)).toBeGreaterThanOrEqual(before);
    expect(timeOfId(ids.at(-1)!)).toBeLessThanOrEqual(Date.now() + 1);
  });

  it('sort in the order they were made, many in one millisecond and across a clock step back', () => {
    let now = Date.now() + 86_400_000; // ahead of any id made before
    const clock = vi.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const ids = Array.from({ length: 5_000 }, newId);
      now -= 2_000; // the wall clock stepped back: ids keep increasing
      ids.push(...Array.from({ length: 10 }, newId));
      now += 10_000;
      ids.push(newId());
      expect([...ids].sort()).toEqual(ids);
      expect(timeOfId(ids.at(-1)!)).toBe(now);
    } finally {
      clock.mockRestore();
    }
  });

  it('made for a given time fall in that millisecond, at or above its lowest id', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const id = newIdAt(at);
    expect(version(id)).toBe(7);
    expect(timeOfId(id)).toBe(at);
    expect(id >= lowestIdAt(at)).toBe(true);
    expect(id < lowestIdAt(at + 1)).toBe(true);
  });
});
