import fs from 'node:fs';
import path from 'node:path';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../src/db/schema-engine.js';
import { printSchemaFile } from '../src/graphql/schema/print.js';

const contractPath = path.resolve(projectRoot, '../shared/contract.graphql');
/** The public contract lives beside the repository in the project's workspace and CI, not in a clone. */
const contractAvailable = fs.existsSync(contractPath);
if (!contractAvailable) console.warn(`Contract checks skipped: ${contractPath} is absent (it is present in the project's workspace and CI).`);
/** Parts of the public contract in ../shared/contract/, read together with contract.graphql. */
const CONTRACT_PARTS = [
  'connect-sessions.graphql',
  'auth-modes.graphql',
  'webhooks.graphql',
  'activity.graphql',
  'access.graphql',
  'provider-webhooks.graphql',
  'mcp.graphql',
];

function isMissing(change: Change): boolean {
  return change.type.endsWith('_REMOVED') || change.type === 'SCHEMA_SUBSCRIPTION_TYPE_CHANGED';
}

function itemOf(change: Change): string {
  return change.type === 'SCHEMA_SUBSCRIPTION_TYPE_CHANGED' ? 'schema.subscription' : (change.path ?? change.message);
}

async function breakingChanges(): Promise<Change[]> {
  const parts = CONTRACT_PARTS.map((part) => fs.readFileSync(path.resolve(path.dirname(contractPath), 'contract', part), 'utf8'));
  const contract = buildSchema([fs.readFileSync(contractPath, 'utf8'), ...parts].join('\n'));
  const committed = buildSchema(fs.readFileSync(path.join(projectRoot, 'schema.graphql'), 'utf8'));
  const changes = await diff(contract, committed);
  return changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking);
}

describe('schema', () => {
  it('schema.graphql is exactly what the code prints (run `npm run schema:print` after changing the schema)', () => {
    const committed = fs.readFileSync(path.join(projectRoot, 'schema.graphql'), 'utf8');
    expect(committed).toBe(printSchemaFile());
  });

  it.skipIf(!contractAvailable)('everything the contract defines that exists in schema.graphql has a compatible type', async () => {
    const incompatible = (await breakingChanges()).filter((change) => !isMissing(change));
    expect(incompatible.map((change) => change.message)).toEqual([]);
  });

  it.skipIf(!contractAvailable)('nothing the contract defines is missing from schema.graphql', async () => {
    const missing = (await breakingChanges()).filter(isMissing).map(itemOf).sort();
    expect(missing).toEqual([]);
  });
});
