// The built-in provider catalog: providers.yaml plus every file in providers/ (split by category),
// checked against the template schema once at load, with keys unique across all the files.
import fs from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { codeFileUrl } from '../paths.js';
import { providerTemplateSchema, type ProviderTemplate } from './schema.js';

export type { ProviderTemplate };

class CatalogError extends Error {
  override name = 'CatalogError';
}

/** Parses and checks a catalog document; every problem is named (used at load and by the tests). */
export function parseCatalog(text: string, source = 'catalog'): ProviderTemplate[] {
  const parsed = z.array(providerTemplateSchema).safeParse(parse(text));
  if (!parsed.success) {
    throw new CatalogError(
      `Invalid provider catalog (${source}):\n${parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n')}`,
    );
  }
  checkUniqueKeys(parsed.data);
  return parsed.data;
}

function checkUniqueKeys(templates: ProviderTemplate[]): void {
  const seen = new Set<string>();
  for (const template of templates) {
    if (seen.has(template.key) || template.key === 'custom') throw new CatalogError(`Provider key "${template.key}" is used twice or reserved.`);
    seen.add(template.key);
  }
}

export const CATALOG_FILE = codeFileUrl('catalog/providers.yaml');
/** More templates, one file per category (providers.yaml keeps the first 44). */
const CATALOG_DIR = codeFileUrl('catalog/providers/');

/** Every catalog file: providers.yaml first, then providers/*.yaml by name. */
export function catalogFiles(): URL[] {
  const extra = fs.existsSync(CATALOG_DIR)
    ? fs
        .readdirSync(CATALOG_DIR)
        .filter((name) => name.endsWith('.yaml'))
        .sort()
        .map((name) => new URL(name, CATALOG_DIR))
    : [];
  return [CATALOG_FILE, ...extra];
}

/** Reads and checks every catalog file as one catalog (keys unique across files). */
export function readCatalog(files: URL[] = catalogFiles()): ProviderTemplate[] {
  const templates = files.flatMap((file) => parseCatalog(fs.readFileSync(file, 'utf8'), file.pathname.split('/').slice(-2).join('/')));
  checkUniqueKeys(templates);
  return templates;
}

let catalog: Map<string, ProviderTemplate> | undefined;
function load(): Map<string, ProviderTemplate> {
  catalog ??= new Map(readCatalog().map((template) => [template.key, template]));
  return catalog;
}

export function providerTemplate(key: string): ProviderTemplate | undefined {
  return load().get(key);
}

export function listProviders(): ProviderTemplate[] {
  return [...load().values()];
}
