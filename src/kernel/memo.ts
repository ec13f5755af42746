// Memoization of pure, costly functions (parsing a key, a URL, an integration's settings): shared by
// every app in the process, since the answer depends on the argument alone. Bounded, least recently
// used first out.
import { LRUCache } from 'lru-cache';

export function memoize<Value extends NonNullable<unknown>>(compute: (key: string) => Value, max: number): (key: string) => Value {
  let cache: LRUCache<string, Value> | undefined;
  return (key) => {
    cache ??= new LRUCache<string, Value>({ max });
    let value = cache.get(key);
    if (value === undefined) {
      value = compute(key);
      cache.set(key, value);
    }
    return value;
  };
}
