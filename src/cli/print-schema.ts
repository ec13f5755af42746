// `npm run schema:print`: writes schema.graphql, the printed schema that clients and codegen use.
import fs from 'node:fs';
import path from 'node:path';
import { printSchemaFile } from '../graphql/schema/print.js';
import { projectRoot } from '../db/schema-engine.js';

const file = path.join(projectRoot, 'schema.graphql');
fs.writeFileSync(file, printSchemaFile());
console.log(`Wrote ${path.relative(process.cwd(), file)}`);
process.exit(0);
