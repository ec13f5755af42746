import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './index.js';

/** The committed form of the schema: sorted, so that diffs show only real changes. */
export function printSchemaFile(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
