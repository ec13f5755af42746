// Settings, declared once: each capability exports a slice (its environment variables, each with a
// zod schema, its meaning and its default) and how the slice's typed settings are read from them.
// src/config.ts puts the slices together; the docs' table and .env.example are generated from the
// same declarations (npm run settings:docs), and a test keeps them current.
import { z } from 'zod';

export interface Setting<Schema extends z.ZodType = z.ZodType> {
  schema: Schema;
  /** What it means, one sentence or two: the docs' table and .env.example show it. */
  doc: string;
  /** The default as a reader needs it, where the schema's own is missing or computed ("PUBLIC_URL's origin"). */
  shownDefault?: string;
  /** An example value for .env.example where there is no default (commented out). */
  example?: string;
}

export type Variables = Record<string, Setting>;
export type ValuesOf<Vars extends Variables> = { [Name in keyof Vars]: z.output<Vars[Name]['schema']> };

/** What every slice may read besides its own variables: decided once, before the slices. */
export interface SettingsContext {
  env: 'development' | 'production' | 'test';
  isProduction: boolean;
  /** PUBLIC_URL without a trailing slash, or http://localhost:PORT. */
  publicUrl: string;
}

export interface SettingsSlice<Vars extends Variables = Variables, Out = unknown> {
  /** The docs' heading for these variables. */
  title: string;
  variables: Vars;
  /** Reads the typed settings; problems (values that cannot go together) are pushed, not thrown. */
  read(values: ValuesOf<Vars>, context: SettingsContext, problems: string[]): Out;
}

export function defineSettings<Vars extends Variables, Out>(
  title: string,
  variables: Vars,
  read: (values: ValuesOf<Vars>, context: SettingsContext, problems: string[]) => Out,
): SettingsSlice<Vars, Out> {
  return { title, variables, read };
}

/** The typed settings a slice reads. */
export type SettingsOf<Slice> = Slice extends SettingsSlice<Variables, infer Out> ? Out : never;

export function setting<Schema extends z.ZodType>(schema: Schema, doc: string, extra: Omit<Setting, 'schema' | 'doc'> = {}): Setting<Schema> {
  return { schema, doc, ...extra };
}

// ------------------------------------------------------------------------------ common value forms

/** An integer from the environment, with bounds and a default. */
export function integer(options: { min?: number; max?: number; default: number }) {
  let schema = z.coerce.number().int();
  if (options.min !== undefined) schema = schema.min(options.min);
  if (options.max !== undefined) schema = schema.max(options.max);
  return schema.default(options.default);
}

/** A number (fractions allowed) from the environment, with bounds and a default. */
export function decimal(options: { min?: number; max?: number; default: number }) {
  let schema = z.coerce.number();
  if (options.min !== undefined) schema = schema.min(options.min);
  if (options.max !== undefined) schema = schema.max(options.max);
  return schema.default(options.default);
}

const TRUE_WORDS = ['true', '1', 'yes'];

/** true/false (1/0, yes/no); unset or empty is `defaultValue`. */
export function flag(defaultValue: boolean) {
  return z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((value) => (value === undefined || value === '' ? defaultValue : TRUE_WORDS.includes(value)));
}

/** A flag whose default depends on something else: undefined when unset. */
export const optionalFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((value) => (value === undefined || value === '' ? undefined : TRUE_WORDS.includes(value)));

/** A comma-separated list; unset is empty. */
export const commaList = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

/**
 * A URL with one of `schemes` (e.g. `localhost:4000` is refused: it parses as the scheme "localhost:"),
 * no fragment, and no path, query or credentials unless allowed; or unset (an empty value counts as unset).
 */
export function optionalUrl(schemes: readonly string[], allow: { path?: boolean; query?: boolean; credentials?: boolean } = {}) {
  const example = `${schemes[0]}://host${schemes[0]?.startsWith('http') ? ':port' : ''}`;
  return z.preprocess(
    (value) => (value === '' ? undefined : value),
    z
      .string()
      .superRefine((value, ctx) => {
        let url: URL;
        try {
          url = new URL(value);
        } catch {
          return ctx.addIssue({ code: 'custom', message: `"${value}" is not a URL: give one such as ${example}` });
        }
        const scheme = url.protocol.slice(0, -1);
        const problem = !schemes.includes(scheme)
          ? `must start with ${schemes.map((name) => `${name}://`).join(' or ')} (got "${value}")`
          : !url.host && scheme.startsWith('http')
            ? 'needs a host'
            : url.hash
              ? 'must not have a fragment (#…)'
              : !allow.path && url.pathname !== '/' && url.pathname !== ''
                ? `must not have a path (got "${url.pathname}"): give ${url.origin}`
                : !allow.query && url.search
                  ? 'must not have a query (?…)'
                  : !allow.credentials && (url.username || url.password)
                    ? 'must not contain credentials'
                    : undefined;
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
  );
}

/** A string, or unset (an empty value counts as unset). */
export const optionalText = z.preprocess((value) => (value === '' ? undefined : value), z.string().optional());

/** Each value must be an origin such as https://app.example.com; the bad ones are named in `problems`. */
export function originsOf(name: string, values: string[], problems: string[]): string[] {
  const origins: string[] = [];
  for (const origin of values) {
    try {
      const url = new URL(origin);
      if (url.origin === 'null' || url.origin !== origin.replace(/\/$/, '')) throw new Error('not an origin');
      origins.push(url.origin);
    } catch {
      problems.push(`${name}: "${origin}" is not an origin such as https://app.example.com`);
    }
  }
  return origins;
}

// ------------------------------------------------------------------------------ documentation

/** The default as the docs show it: the declared one, else the schema's own, else "unset". */
export function shownDefaultOf(entry: Setting): string {
  if (entry.shownDefault !== undefined) return entry.shownDefault;
  const value = defaultOf(entry.schema);
  if (value === undefined) return 'unset';
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** The value a schema takes when the variable is unset, when that can be told without parsing. */
function defaultOf(schema: z.ZodType): unknown {
  try {
    const parsed = schema.safeParse(undefined);
    if (parsed.success && parsed.data !== undefined) return parsed.data;
  } catch {
    // a transform that needs a value
  }
  return undefined;
}
