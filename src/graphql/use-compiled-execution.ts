// Compiled execution (GRAPHQL_COMPILED_EXECUTION): an operation run a second time is compiled by
// graphql-jit into a function that resolves exactly its selection, so later runs skip what graphql-js
// redoes on every request (collecting fields, coercing arguments, checking each value's type).
// The answers stay graphql-js's: variables are coerced by graphql-js first (a failure runs
// graphql-js, which reports it), and jit's errors are rebuilt as graphql-js builds them (message,
// nodes, path, extensions, and an original error where graphql-js has one, which masking reads).
// What jit does not do as graphql-js does (subscriptions, @defer and @stream, introspection) is
// never compiled, nor is a selection of a Prisma-backed object's relations: Pothos plans them into
// the parent's database query from graphql-js's resolve info (one query for a whole list), and
// compiled they would be loaded one item at a time. test/graphql-compiled-execution.test.ts compares the answers byte for byte.
import type { Plugin } from '@envelop/core';
import {
  BREAK,
  GraphQLError,
  getLocation,
  getNamedType,
  getOperationAST,
  getVariableValues,
  isCompositeType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type OperationDefinitionNode,
} from 'graphql';
import { inspect } from 'graphql/jsutils/inspect.js';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

export interface CompiledExecutionOptions {
  /** Documents whose compiled operations are kept (the least recently used is dropped beyond). */
  maxDocuments?: number;
  /** Told how each execution ran (for tests and metrics). */
  observe?: (how: 'compiled' | 'interpreted') => void;
}

/** A compiled operation and what rebuilding its errors needs: the fields of the document by location. */
interface Compiled {
  query: CompiledQuery['query'];
  operation: OperationDefinitionNode;
  fieldsAt: Map<string, FieldNode>;
}

interface Entry {
  runs: number;
  /** null: not compilable (it runs on graphql-js). */
  compiled?: Compiled | null;
}

/** Compiled on the second run: a document sent once (an ad-hoc query) never pays for compiling. */
const COMPILE_ON_RUN = 2;
const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);
const INCREMENTAL_DIRECTIVES = new Set(['defer', 'stream']);

type ExecuteFn = (args: ExecutionArgs) => unknown;

export function useCompiledExecution(options: CompiledExecutionOptions = {}): Plugin {
  const entries = new LRUCache<DocumentNode, Map<string, Entry>>({ max: options.maxDocuments ?? 1000 });
  const observe = options.observe;

  function entryOf(document: DocumentNode, operationName: string): Entry {
    let byOperation = entries.get(document);
    if (!byOperation) entries.set(document, (byOperation = new Map()));
    let entry = byOperation.get(operationName);
    if (!entry) byOperation.set(operationName, (entry = { runs: 0 }));
    return entry;
  }

  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const entry = entryOf(args.document, args.operationName ?? '');
      entry.runs++;
      if (entry.compiled === undefined && entry.runs >= COMPILE_ON_RUN) entry.compiled = compile(args);
      const compiled = entry.compiled;
      if (!compiled) {
        observe?.('interpreted');
        return;
      }
      setExecuteFn((executeArgs) => executeCompiled(compiled, executeArgs, executeFn as ExecuteFn, observe));
    },
  };
}

function executeCompiled(compiled: Compiled, args: ExecutionArgs, interpreted: ExecuteFn, observe: CompiledExecutionOptions['observe']): unknown {
  const variables = args.variableValues ?? {};
  const definitions = compiled.operation.variableDefinitions;
  // graphql-js's own coercion decides (and words the errors); jit then coerces the same values again.
  if (definitions?.length && getVariableValues(args.schema, definitions, variables).errors) {
    observe?.('interpreted');
    return interpreted(args);
  }
  observe?.('compiled');
  const result = compiled.query(args.rootValue, args.contextValue, variables);
  return isPromiseLike(result) ? result.then((value) => asGraphQLJs(compiled, value, args, interpreted)) : asGraphQLJs(compiled, result, args, interpreted);
}

function asGraphQLJs(compiled: Compiled, result: ExecutionResult, args: ExecutionArgs, interpreted: ExecuteFn): unknown {
  // No data: jit refused the variables before running anything; graphql-js words that refusal.
  if (!('data' in result)) return interpreted(args);
  if (!result.errors?.length) return result;
  // graphql-js's order of keys: errors first.
  return { errors: result.errors.map((error) => rebuildError(compiled, error)), data: result.data };
}

const NON_NULL = /^Cannot return null for non-nullable field (\w+)\.\(?(\w+)(?:,\w+)*\)?\.$/;

/** A jit error as graphql-js's locatedError makes it. */
function rebuildError(compiled: Compiled, error: GraphQLError): GraphQLError {
  const nodes = (error.locations ?? []).flatMap((location) => compiled.fieldsAt.get(`${location.line}:${location.column}`) ?? []);
  const original: unknown = error.originalError;
  let cause: Error;
  if (original === undefined || original === null) {
    const nonNull = NON_NULL.exec(error.message);
    // graphql-js throws a plain Error for a null in a non-null field (masked as unexpected), and a
    // GraphQLError for a value of the wrong type (shown as it is).
    cause = nonNull ? new Error(`Cannot return null for non-nullable field ${nonNull[1]}.${nonNull[2]}.`) : new GraphQLError(error.message, { nodes });
  } else if (original instanceof Error) {
    cause = original;
  } else {
    cause = new Error(`Unexpected error value: ${inspect(original)}`);
  }
  // An error a resolver threw already located (with a path) is kept as it is.
  if (cause instanceof GraphQLError && Array.isArray(cause.path)) return cause;
  const located = cause instanceof GraphQLError ? cause : undefined;
  return new GraphQLError(cause.message, {
    nodes: located?.nodes ?? nodes,
    source: located?.source,
    positions: located?.positions,
    path: error.path,
    originalError: cause,
  });
}

/** The compiled operation, or null for one that must run on graphql-js. */
function compile(args: ExecutionArgs): Compiled | null {
  const { document } = args;
  const operation = getOperationAST(document, args.operationName);
  if (!operation || operation.operation === 'subscription' || !document.loc) return null;
  let unsupported = false;
  const fieldsAt = new Map<string, FieldNode>();
  const source = document.loc.source;
  const typeInfo = new TypeInfo(args.schema);
  const visitor = visitWithTypeInfo(typeInfo, {
    Field(node) {
      if (INTROSPECTION_FIELDS.has(node.name.value) || !node.loc || isPrismaRelation(typeInfo)) {
        unsupported = true;
        return BREAK;
      }
      const { line, column } = getLocation(source, node.loc.start);
      fieldsAt.set(`${line}:${column}`, node);
      return undefined;
    },
    Directive(node) {
      if (!INCREMENTAL_DIRECTIVES.has(node.name.value)) return undefined;
      unsupported = true;
      return BREAK;
    },
  });
  visit(document, visitor);
  if (unsupported) return null;
  let compiled: CompiledQuery | ExecutionResult;
  try {
    compiled = compileQuery(args.schema, document, args.operationName ?? undefined, { disablingCapturingStackErrors: true });
  } catch {
    return null;
  }
  if (!isCompiledQuery(compiled)) return null;
  return { query: compiled.query, operation, fieldsAt };
}

/** A field of a Prisma-backed object (its model is in the type's extensions) that answers an object. */
function isPrismaRelation(typeInfo: TypeInfo): boolean {
  const parent = typeInfo.getParentType();
  const type = typeInfo.getType();
  return Boolean(parent?.extensions?.pothosPrismaModel) && type !== null && isCompositeType(getNamedType(type));
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}
