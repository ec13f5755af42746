// In a YAML flow mapping ({ a: b, c: d }) an unquoted string ends at its first ", ": the rest becomes a
// key with no value (Gmail's cc description lost "comma-separated" that way). No catalog entry has a
// reason to hold a null, so one means a string was cut.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { catalogFiles } from '../src/catalog/index.js';

function nullPaths(value: unknown, path: string[]): string[] {
  if (value === null) return [path.join('.')];
  if (Array.isArray(value)) return value.flatMap((item, index) => nullPaths(item, [...path, String(index)]));
  if (typeof value === 'object') return Object.entries(value as Record<string, unknown>).flatMap(([key, item]) => nullPaths(item, [...path, key]));
  return [];
}

describe('catalog yaml values', () => {
  it('no value is empty: a string with a comma in a flow mapping is quoted', () => {
    const found = catalogFiles().flatMap((file) => {
      const entries = parse(fs.readFileSync(file, 'utf8')) as { key?: string }[];
      const name = fileURLToPath(file).split('/src/catalog/')[1];
      return entries.flatMap((entry, index) => nullPaths(entry, [String(entry.key ?? index)]).map((path) => `${name}: ${path}`));
    });
    expect(found, 'quote these strings (a ", " inside an unquoted one cut it)').toEqual([]);
  });
});
