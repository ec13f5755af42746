// `npm run catalog:readme`: rewrites the provider table in docs/providers.md from the catalog (between
// the providers-table markers). test/catalog-readme.test.ts fails when the page is not current.
import fs from 'node:fs';
import path from 'node:path';
import { readCatalog } from '../catalog/index.js';
import { withProviderTable } from '../catalog/readme-table.js';
import { pagePath, PROVIDERS_PAGE } from './generated-docs.js';

const file = pagePath(PROVIDERS_PAGE);
const before = fs.readFileSync(file, 'utf8');
const after = withProviderTable(before, readCatalog());
if (after !== before) fs.writeFileSync(file, after);
console.log(after === before ? `${PROVIDERS_PAGE} is current` : `Wrote the provider table in ${path.relative(process.cwd(), file)}`);
process.exit(0);
