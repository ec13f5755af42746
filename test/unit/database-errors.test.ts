// Which database errors are DATABASE_UNAVAILABLE (try again) rather than internal errors: a full disk
// is one (PostgreSQL's 53100, ENOSPC, "No space left on device" from the embedded database).
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/db/errors.js';

describe('isDatabaseUnavailable', () => {
  it('counts a full disk as the database being unavailable, however it is reported', () => {
    expect(isDatabaseUnavailable({ code: '53100', message: 'could not extend file "base/5/16384": No space left on device' })).toBe(true);
    expect(isDatabaseUnavailable(new Error('write failed', { cause: Object.assign(new Error('nope'), { code: 'ENOSPC' }) }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('could not write to file "pg_wal/xlogtemp.42": No space left on device'))).toBe(true);
  });

  it('leaves a constraint violation alone', () => {
    expect(isDatabaseUnavailable({ code: '23505', message: 'duplicate key value violates unique constraint' })).toBe(false);
  });
});
