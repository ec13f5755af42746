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

let catalog: Map<string, ProviderTemplate> | undefined;
function load(): Map<string, ProviderTemplate> {
  catalog ??= new Map(parseCatalog(fs.readFileSync(CATALOG_FILE, 'utf8')).map((template) => [template.key, template]));
  return catalog;
}

export function providerTemplate(key: string): ProviderTemplate | undefined {
  return load().get(key);
}

export function listProviders(): ProviderTemplate[] {
  return [...load().values()];
}
