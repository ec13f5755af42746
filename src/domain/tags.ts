// Connection tags: up to 10 string pairs that tie a connection to the app's own records.
import { ValidationError, type FieldError } from '../kernel/errors.js';

const MAX_TAGS = 10;
const TAG_KEY = /^[a-zA-Z0-9_.-]{1,64}$/;
const MAX_TAG_VALUE_LENGTH = 255;

/** The tags as stored, or a ValidationError naming each bad pair (under `field`). */
export function validTags(value: unknown, field = 'tags'): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw ValidationError.field(field, 'Tags are an object of string pairs.');
  const entries = Object.entries(value as Record<string, unknown>);
  const problems: FieldError[] = [];
  if (entries.length > MAX_TAGS) problems.push({ field, message: `At most ${MAX_TAGS} tags.` });
  for (const [key, tag] of entries) {
    if (!TAG_KEY.test(key)) problems.push({ field: `${field}.${key}`, message: 'A tag key is 1 to 64 of a-z, A-Z, 0-9, _, . and -.' });
    if (typeof tag !== 'string') problems.push({ field: `${field}.${key}`, message: 'A tag value is a string.' });
    else if (tag.length > MAX_TAG_VALUE_LENGTH)
      problems.push({ field: `${field}.${key}`, message: `A tag value is at most ${MAX_TAG_VALUE_LENGTH} characters.` });
  }
  if (problems.length) throw new ValidationError(problems[0]!.message, problems);
  return Object.fromEntries(entries) as Record<string, string>;
}

/** A connect session's tags for its connections: undefined when it has none (a reconnect then keeps the connection's). */
export function sessionTags(tags: unknown): Record<string, string> | undefined {
  const pairs = (tags ?? {}) as Record<string, string>;
  return Object.keys(pairs).length ? pairs : undefined;
}
