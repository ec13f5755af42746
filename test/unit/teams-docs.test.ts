// docs/teams-and-access.md's GraphQL documents are valid against the schema (schema.graphql), so the
// examples of keys, scopes, the audit trail, tags and display names say what the API accepts.
import fs from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';

const doc = fs.readFileSync(new URL('../../docs/teams-and-access.md', import.meta.url), 'utf8');
const schema = buildSchema(fs.readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));

describe('docs/teams-and-access.md', () => {
  const blocks = [...doc.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]!);

  it('has GraphQL examples for tags on connect sessions, updateConnection and connections(tags:)', () => {
    expect(blocks.some((block) => block.includes('createConnectSession') && block.includes('tags:'))).toBe(true);
    expect(blocks.some((block) => block.includes('updateConnection'))).toBe(true);
    expect(blocks.some((block) => block.includes('connections(first: 50, tags:'))).toBe(true);
  });

  it.each(blocks.map((block, index) => [index, block] as const))('example %i is a valid document', (_index, block) => {
    expect(validate(schema, parse(block)).map((error) => error.message)).toEqual([]);
  });
});
