// A value made on first use. For what is costly to make and not needed to start: a cache that
// allocates its whole capacity up front (lru-cache does, about 35 ms for 100,000 entries) costs the
// start-up nothing until the first request that uses it.
export function lazy<Value>(make: () => Value): () => Value {
  let made: { value: Value } | undefined;
  return () => (made ??= { value: make() }).value;
}
