// Once per `vitest run` of the embedded project: after every file, remove this run's embedded data
// directories that are still there (a file that crashed, or whose tests were all skipped, before its
// own afterAll). Only this run's: the run id is in the names.
import fs from 'node:fs';
import path from 'node:path';
import { testDataPrefix, testDataRoot } from './database-prefix.js';

export function teardown(): void {
  const runId = process.env.TEST_RUN_ID;
  if (!runId) return;
  const root = testDataRoot();
  for (const entry of fs.readdirSync(root)) {
    if (entry.startsWith(testDataPrefix(runId))) fs.rmSync(path.join(root, entry), { recursive: true, force: true });
  }
}
