// `npm run layout:docs`: writes the "Layout" tree of docs/internals.md (between the layout markers) from
// the folders under src/, in the order of the import layers (each folder imports only from those below
// it). A test fails when the page is not current, or when a folder has no line here.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../paths.js';
import { LAYOUT_PAGE, pagePath } from './generated-docs.js';
import { LAYOUT, layoutTree, withLayout } from './layout.js';

const srcDir = path.join(projectRoot, 'src');
const folders = fs
  .readdirSync(srcDir, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => path.relative(srcDir, path.join(entry.parentPath, entry.name)))
  .filter((folder) => !folder.startsWith('generated'));
const missing = folders.filter((folder) => !LAYOUT.some((entry) => entry.path === `${folder}/`));
if (missing.length) {
  console.error(`Describe these folders in src/cli/layout.ts: ${missing.join(', ')}`);
  process.exit(1);
}
const file = pagePath(LAYOUT_PAGE);
const before = fs.readFileSync(file, 'utf8');
const after = withLayout(before, layoutTree());
if (after !== before) fs.writeFileSync(file, after);
console.log(after === before ? `${LAYOUT_PAGE} is current` : `Wrote the layout in ${LAYOUT_PAGE}`);
