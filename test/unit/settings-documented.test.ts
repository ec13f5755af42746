// Every limit has a name and a default in src/config.ts, the settings tables of docs/configuration.md
// and .env.example:
// a setting added in one place and forgotten in the others fails here.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pagePath, SETTINGS_PAGE } from '../../src/cli/generated-docs.js';
import { settingNames } from '../../src/config.js';

const page = fs.readFileSync(pagePath(SETTINGS_PAGE), 'utf8');
const envExample = fs.readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');

describe('settings are documented', () => {
  it('reads a plausible number of settings', () => {
    expect(settingNames.length).toBeGreaterThan(50);
  });

  it("names every setting in a row of the configuration page's tables", () => {
    const tableRows = page.split('\n').filter((line) => line.startsWith('|'));
    const missing = settingNames.filter((name) => !tableRows.some((row) => row.includes(`\`${name}\``)));
    expect(missing).toEqual([]);
  });

  it('lists every setting in .env.example', () => {
    const missing = settingNames.filter((name) => !new RegExp(`^#?\\s*${name}=`, 'm').test(envExample));
    expect(missing).toEqual([]);
  });
});
