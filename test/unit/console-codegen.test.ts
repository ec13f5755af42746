// The console's typed documents (console/src/gql/) are generated from schema.graphql and the
// console's documents by GraphQL Code Generator: a change to either must be followed by
// `npm run console:codegen`, or this fails.
import fs from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import config from '../../console/codegen.js';

describe('console codegen', () => {
  it('has console/src/gql/ up to date with schema.graphql and the console documents', { timeout: 60_000 }, async () => {
    const previous = process.cwd();
    process.chdir(projectRoot);
    try {
      const outputs = (await generate({ ...config, silent: true }, false)) as Array<{ filename: string; content: string }>;
      expect(outputs.length).toBeGreaterThan(0);
      for (const output of outputs) {
        const committed = fs.readFileSync(path.resolve(projectRoot, output.filename), 'utf8');
        expect(committed, `${output.filename} is stale: run npm run console:codegen`).toBe(output.content);
      }
    } finally {
      process.chdir(previous);
    }
  });
});
