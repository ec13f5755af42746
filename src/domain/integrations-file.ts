// INTEGRATIONS_FILE: integrations as code (JSON or YAML), upserted by slug at start.
// "${NAME}" is replaced by the environment variable NAME, so secrets stay out of the file.
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../kernel/errors.js';
import type { CreateIntegrationInput, Integrations } from './integrations.js';

class IntegrationsFileError extends Error {
  override name = 'IntegrationsFileError';
}

function interpolateEnvironment(value: unknown, env: Record<string, string | undefined>, path = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
      const replacement = env[name];
      if (replacement === undefined) throw new IntegrationsFileError(`${path || 'value'} uses \${${name}}, which is not set.`);
      return replacement;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolateEnvironment(item, env, `${path}[${index}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateEnvironment(item, env, path ? `${path}.${key}` : key)]));
  }
  return value;
}

function parseIntegrationsFile(text: string, env: Record<string, string | undefined>): CreateIntegrationInput[] {
  let document: unknown;
  try {
    document = parseYaml(text); // YAML is a superset of JSON
  } catch (error) {
    throw new IntegrationsFileError(`Not valid JSON or YAML: ${(error as Error).message}`);
  }
  const list = Array.isArray(document) ? document : (document as { integrations?: unknown })?.integrations;
  if (!Array.isArray(list)) throw new IntegrationsFileError('Expected a list of integrations, or { integrations: [...] }.');
  return list.map((entry, index) => {
    if (!entry || typeof entry !== 'object') throw new IntegrationsFileError(`integrations[${index}] is not an object.`);
    return interpolateEnvironment(entry, env, `integrations[${index}]`) as CreateIntegrationInput;
  });
}

/** Creates or updates each integration in the file; returns their slugs. */
export async function loadIntegrationsFile(integrations: Integrations, file: string, env: Record<string, string | undefined>): Promise<string[]> {
  const entries = parseIntegrationsFile(fs.readFileSync(file, 'utf8'), env);
  const slugs: string[] = [];
  for (const [index, entry] of entries.entries()) {
    try {
      const existing = typeof entry.slug === 'string' ? await integrations.find(entry.slug) : null;
      if (existing) {
        const { slug: _slug, provider, ...patch } = entry;
        if (provider !== existing.provider) {
          throw ValidationError.field('provider', `provider cannot change (is "${existing.provider}").`);
        }
        await integrations.update(existing.id, patch);
      } else {
        await integrations.create(entry);
      }
      slugs.push(entry.slug);
    } catch (error) {
      if (error instanceof ValidationError) {
        const details = error.fieldErrors.map((fieldError) => `${fieldError.field}: ${fieldError.message}`).join('; ');
        throw new IntegrationsFileError(`${file}: integrations[${index}] (${entry.slug ?? '?'}): ${error.message} ${details}`);
      }
      throw error;
    }
  }
  return slugs;
}
