// Reading request headers without copying them: node:http's header object (lower-case names) seen
// through the same get() that fetch Headers offer.

export interface HeaderSource {
  get(name: string): string | null;
}

export function nodeHeaders(headers: Record<string, string | string[] | undefined>): HeaderSource {
  return {
    get(name) {
      const value = headers[name];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
  };
}
