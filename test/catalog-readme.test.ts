// The provider table of docs/providers.md is generated from the catalog: it must be current, and
// generating it must keep the rest of the page as it is.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCatalog } from '../src/catalog/index.js';
import { pagePath, PROVIDERS_PAGE } from '../src/cli/generated-docs.js';
import { providerTable, quirks, TABLE_END, TABLE_START, withProviderTable } from '../src/catalog/readme-table.js';

const PAGE = pagePath(PROVIDERS_PAGE);

describe('provider table', () => {
  it('is current with the catalog (run npm run catalog:readme after changing it)', () => {
    const page = fs.readFileSync(PAGE, 'utf8');
    expect(withProviderTable(page, readCatalog()) === page, `${PROVIDERS_PAGE} is out of date: run npm run catalog:readme`).toBe(true);
  });

  it('lists every provider once, by key, and replaces only what is between the markers', () => {
    const templates = readCatalog();
    const table = providerTable(templates);
    const rows = table.split('\n').filter((line) => line.startsWith('| `'));
    expect(rows).toHaveLength(templates.length);
    const keys = rows.map((row) => row.split('`')[1]!);
    expect(keys).toEqual([...keys].sort());
    const document = `intro\n${TABLE_START}\nold table\n${TABLE_END}\noutro\n`;
    expect(withProviderTable(document, templates)).toBe(`intro\n${TABLE_START}\n${table}\n${TABLE_END}\noutro\n`);
    expect(() => withProviderTable('no markers', templates)).toThrow(/markers/);
  });

  it('describes quirks in words: scope separators, PKCE, token placement, metadata, rate-limit headers', () => {
    const byKey = new Map(readCatalog().map((template) => [template.key, template]));
    expect(quirks(byKey.get('shopify')!)).toEqual(['scopes joined by ","', 'no PKCE', 'tokens do not expire', 'token in X-Shopify-Access-Token']);
    expect(quirks(byKey.get('zoho-crm')!)).toEqual(['scopes joined by ","', 'keeps api_domain', 'token as "Zoho-oauthtoken …"']);
    expect(quirks(byKey.get('openweathermap')!)).toEqual(['key in the appid query parameter']);
    expect(quirks(byKey.get('anthropic')!)).toEqual(['key in x-api-key', 'rate limits from anthropic-ratelimit-requests-remaining']);
  });
});
