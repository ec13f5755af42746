// Yoga's parser and validation caches (its useParserAndValidationCache, which createGraphQLServer
// turns off and adds this in its place), keyed as yoga keys them, with the key of the validation
// rules built only when their names change: yoga reads every rule's name (graphql-js's rules and the
// plugins') and joins them into a new string on each request, then looks that long key up. Most rules
// are the same functions on every request; graphql-armor makes its few afresh, so those are read by name.
import type { DocumentNode, GraphQLError, GraphQLSchema, ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';

/** Yoga's defaults for its document and parse-error caches. */
const MAX_DOCUMENTS = 1024;
const DOCUMENT_TTL_MS = 3_600_000;

type ValidationResults = WeakMap<GraphQLSchema, WeakMap<DocumentNode, readonly GraphQLError[]>>;

export function useParserAndValidationCache(): Plugin {
  // ttlResolution 0: the clock is read on each lookup, rather than cached for 1 ms with a timer to reset it (a timer every few requests).
  const documentCache = new LRUCache<string, DocumentNode>({ max: MAX_DOCUMENTS, ttl: DOCUMENT_TTL_MS, ttlResolution: 0 });
  const errorCache = new LRUCache<string, Error>({ max: MAX_DOCUMENTS, ttl: DOCUMENT_TTL_MS, ttlResolution: 0 });
  // Results depend on the schema, the document and the rules alone: they need no expiry.
  const validationCacheByRules = new LRUCache<string, ValidationResults>({ max: MAX_DOCUMENTS });
  let lastRules: readonly ValidationRule[] = [];
  let lastNames: string[] = [];
  let lastRulesKey = '';

  /** The rules' names joined, as yoga keys them; joined again only when a name differs from the last request's. */
  function rulesKeyOf(rules: readonly ValidationRule[] | undefined): string {
    if (!rules) return '';
    let changed = rules.length !== lastNames.length;
    const names = new Array<string>(rules.length);
    for (let index = 0; index < rules.length; index++) {
      const rule = rules[index]!;
      // A function's name is read through an accessor: the same function as last time keeps its name.
      const name = rule === lastRules[index] ? lastNames[index]! : rule.name;
      names[index] = name;
      if (name !== lastNames[index]) changed = true;
    }
    lastRules = [...rules];
    if (changed) {
      lastNames = names;
      lastRulesKey = names.join(',');
    }
    return lastRulesKey;
  }

  return {
    onParse({ params, setParsedDocument }) {
      const source = params.source.toString();
      const document = documentCache.get(source);
      if (document) return void setParsedDocument(document);
      const parserError = errorCache.get(source);
      if (parserError) throw parserError;
      return ({ result }) => {
        if (result == null) return;
        if (result instanceof Error) errorCache.set(source, result);
        else documentCache.set(source, result as DocumentNode);
      };
    },
    onValidate({ params: { schema, documentAST, rules }, setResult }) {
      if (schema == null) return;
      const rulesKey = rulesKeyOf(rules);
      let bySchema = validationCacheByRules.get(rulesKey);
      if (!bySchema) validationCacheByRules.set(rulesKey, (bySchema = new WeakMap()));
      let byDocument = bySchema.get(schema);
      if (!byDocument) bySchema.set(schema, (byDocument = new WeakMap()));
      const cached = byDocument.get(documentAST);
      if (cached) return void setResult(cached);
      return ({ result }) => {
        if (result != null) byDocument.set(documentAST, result as readonly GraphQLError[]);
      };
    },
  };
}
