// The docs that are generated from the code stay current: the settings tables and .env.example
// (npm run settings:docs) and the layout tree (npm run layout:docs), which must describe every folder.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAYOUT_PAGE, pagePath, SETTINGS_PAGE } from '../../src/cli/generated-docs.js';
import { LAYOUT, layoutTree, withLayout } from '../../src/cli/layout.js';
import { envExample, withSettingsTable } from '../../src/cli/settings-table.js';
import { SETTINGS, settingNames } from '../../src/config.js';

const root = new URL('../../', import.meta.url).pathname;
const settingsPage = fs.readFileSync(pagePath(SETTINGS_PAGE), 'utf8');
const layoutPage = fs.readFileSync(pagePath(LAYOUT_PAGE), 'utf8');

describe('generated docs', () => {
  it('has the settings table of every setting, as declared (npm run settings:docs)', () => {
    expect(settingNames.length).toBeGreaterThan(80);
    expect(withSettingsTable(settingsPage, Object.values(SETTINGS))).toBe(settingsPage);
  });

  it('has .env.example as declared (npm run settings:docs)', () => {
    expect(fs.readFileSync(path.join(root, '.env.example'), 'utf8')).toBe(envExample(Object.values(SETTINGS)));
  });

  it('describes every folder of src/ in the layout, and no folder that is gone', () => {
    const srcDir = path.join(root, 'src');
    const folders = fs
      .readdirSync(srcDir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${path.relative(srcDir, path.join(entry.parentPath, entry.name))}/`)
      .filter((folder) => !folder.startsWith('generated'))
      .sort();
    const described = LAYOUT.map((entry) => entry.path)
      .filter((entry) => entry.endsWith('/'))
      .sort();
    expect(described).toEqual(folders);
  });

  it('has the layout tree as described (npm run layout:docs)', () => {
    expect(withLayout(layoutPage, layoutTree())).toBe(layoutPage);
  });
});
