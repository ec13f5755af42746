// The GraphQL server's parser and validation caches: a document is parsed and validated once, and
// validated again under other validation rules.
import { envelop, useEngine, useSchema, type Plugin } from '@envelop/core';
import { buildSchema, GraphQLError, parse, specifiedRules, validate, type ValidationRule } from 'graphql';
import { describe, expect, it } from 'vitest';
import { useParserAndValidationCache } from '../../src/graphql/use-parser-and-validation-cache.js';

const schema = buildSchema('type Query { a: Int, b: Int }');

/** An envelop with graphql-js counted, the cache, and `extraRule` (or a fresh rule) added by a plugin while it is set. */
function countedEnvelop() {
  const counts = { parse: 0, validate: 0 };
  const state: { extraRule?: ValidationRule; freshRule?: boolean } = {};
  const addsRule: Plugin = {
    onValidate({ addValidationRule }) {
      if (state.extraRule) addValidationRule(state.extraRule);
      // As graphql-armor adds its rules: a new function on each request, under the same name.
      if (state.freshRule) addValidationRule(noDeepSelections());
    },
  };
  const getEnveloped = envelop({
    plugins: [
      useEngine({
        parse: (...args: Parameters<typeof parse>) => (counts.parse++, parse(...args)),
        validate: (...args: Parameters<typeof validate>) => (counts.validate++, validate(...args)),
      }),
      useSchema(schema),
      addsRule,
      useParserAndValidationCache(),
    ],
  });
  const check = (source: string) => {
    const enveloped = getEnveloped({});
    const document = enveloped.parse(source);
    return { document, errors: enveloped.validate(enveloped.schema, document, [...specifiedRules]) as readonly GraphQLError[] };
  };
  return { counts, state, check };
}

const noB: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === 'b') context.reportError(new GraphQLError('b is not allowed here.'));
  },
});

function noDeepSelections(): ValidationRule {
  return function noDeepSelections() {
    return {};
  };
}

describe('the parser and validation caches', () => {
  it('parse and validate a document once, then answer the same document and result from memory', () => {
    const { counts, check } = countedEnvelop();
    const first = check('{ a b }');
    const second = check('{ a b }');
    expect(second.document).toBe(first.document);
    expect(second.errors).toBe(first.errors);
    expect(first.errors).toEqual([]);
    expect(counts).toEqual({ parse: 1, validate: 1 });
  });

  it('validate a document again when the validation rules differ, and keep each result', () => {
    const { counts, state, check } = countedEnvelop();
    expect(check('{ a b }').errors).toEqual([]);
    state.extraRule = noB;
    expect(check('{ a b }').errors.map((error) => error.message)).toEqual(['b is not allowed here.']);
    expect(check('{ a b }').errors.map((error) => error.message)).toEqual(['b is not allowed here.']);
    state.extraRule = undefined;
    expect(check('{ a b }').errors).toEqual([]);
    expect(counts.validate).toBe(2);
  });

  it('answer from memory when a rule is made afresh for each request under the same name', () => {
    const { counts, state, check } = countedEnvelop();
    state.freshRule = true;
    const first = check('{ a }');
    expect(check('{ a }').errors).toBe(first.errors);
    expect(check('{ a }').errors).toBe(first.errors);
    expect(counts.validate).toBe(1);
  });

  it('remember a syntax error: the same source is not parsed again', () => {
    const { counts, check } = countedEnvelop();
    expect(() => check('{ a')).toThrow(/Syntax Error/);
    expect(() => check('{ a')).toThrow(/Syntax Error/);
    expect(counts.parse).toBe(1);
  });
});
