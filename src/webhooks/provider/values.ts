// Reading values out of a provider's webhook: `header:<name>` or a dotted path into the parsed body,
// where a digit indexes an array and `*` takes every element. Arrays at the end give each element.
import type { IncomingHttpHeaders } from 'node:http';

export interface WebhookMessage {
  headers: IncomingHttpHeaders;
  /** The parsed body: JSON, a form as an object of strings, or the text. */
  body: unknown;
}

function scalars(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(scalars);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return [String(value)];
  return [];
}

/** Every value at `path` (none when absent). */
export function valuesAt(message: WebhookMessage, path: string): string[] {
  if (path.startsWith('header:')) {
    const value = message.headers[path.slice('header:'.length).toLowerCase()];
    return scalars(value);
  }
  let current: unknown[] = [message.body];
  for (const key of path.split('.')) {
    const next: unknown[] = [];
    for (const item of current) {
      if (item === null || typeof item !== 'object') continue;
      if (key === '*') {
        if (Array.isArray(item)) next.push(...(item as unknown[]));
        else next.push(...Object.values(item));
      } else if (Object.hasOwn(item, key)) next.push((item as Record<string, unknown>)[key]);
    }
    current = next;
  }
  return current.flatMap(scalars);
}

/** The first value found at any of `paths`, in order. */
export function firstValue(message: WebhookMessage, paths: readonly string[]): string | null {
  for (const path of paths) {
    const [value] = valuesAt(message, path);
    if (value !== undefined && value !== '') return value.slice(0, 500);
  }
  return null;
}
