// The built-in provider catalog: providers.yaml, checked against the template schema once at load.
import fs from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { providerTemplateSchema, type ProviderTemplate } from './schema.js';

export type { ProviderTemplate };

export class CatalogError extends Error {
  override name = 'CatalogError';
}

/** Parses and checks a catalog document; every problem is named (used at load and by the tests). */
export function parseCatalog(text: string): ProviderTemplate[] {
  const parsed = z.array(providerTemplateSchema).safeParse(parse(text));
  if (!parsed.success) {
    throw new CatalogError(`Invalid provider catalog:\n${parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n')}`);
  }
  const seen = new Set<string>();
  for (const template of parsed.data) {
    if (seen.has(template.key) || template.key === 'custom') throw new CatalogError(`Provider key "${template.key}" is used twice or reserved.`);
    seen.add(template.key);
  }
  return parsed.data;
}

export const CATALOG_FILE = new URL('./providers.yaml', import.meta.url);

/** More catalog files, one schema: every *.yaml in src/catalog/providers/. */
export const CATALOG_DIR = new URL('./providers/', import.meta.url);

/** Every catalog file's text, providers.yaml first. */
export function catalogTexts(): string[] {
  const extra = fs.existsSync(CATALOG_DIR) ? fs.readdirSync(CATALOG_DIR).filter((name) => name.endsWith('.yaml')).sort() : [];
  return [fs.readFileSync(CATALOG_FILE, 'utf8'), ...extra.map((name) => fs.readFileSync(new URL(name, CATALOG_DIR), 'utf8'))];
}

let catalog: Map<string, ProviderTemplate> | undefined;
function load(): Map<string, ProviderTemplate> {
  if (!catalog) {
    const templates = parseCatalog(catalogTexts().map((text) => text.trimEnd()).join('\n'));
    catalog = new Map(templates.map((template) => [template.key, template]));
  }
  return catalog;
}

export function providerTemplate(key: string): ProviderTemplate | undefined {
  return load().get(key);
}

export function listProviders(): ProviderTemplate[] {
  return [...load().values()];
}
