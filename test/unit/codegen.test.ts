// Generated typed documents from the committed schema.graphql by GraphQL Code Generator: the
// console's (console/src/gql/) and the Node SDK's (packages/node/src/generated/). A change to the
// schema or to their documents must be followed by the named script, or this fails.
import fs from 'node:fs';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/paths.js';
import consoleConfig from '../../console/codegen.js';
import sdkConfig from '../../packages/node/codegen.js';

describe('codegen outputs', () => {
  it.each([
    { name: 'console/src/gql/', config: consoleConfig, script: 'console:codegen' },
    { name: 'packages/node/src/generated/', config: sdkConfig, script: 'sdk:codegen' },
  ])('has $name up to date with schema.graphql and its documents', { timeout: 60_000 }, async ({ config, script }) => {
    const previous = process.cwd();
    process.chdir(projectRoot);
    try {
      const outputs = (await generate({ ...config, silent: true }, false)) as Array<{ filename: string; content: string }>;
      expect(outputs.length).toBeGreaterThan(0);
      for (const output of outputs) {
        const committed = fs.readFileSync(path.resolve(projectRoot, output.filename), 'utf8');
        expect(committed, `${output.filename} is stale: run npm run ${script}`).toBe(output.content);
      }
    } finally {
      process.chdir(previous);
    }
  });
});
