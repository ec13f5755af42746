// Every GraphQL error carries an extensions.code, whichever stage refused the request: parsing,
// validation (graphql-armor's limits included, which graphql-armor words as "Syntax Error: …"),
// and the request errors of execution (variables that do not coerce, an operation that cannot be chosen).
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** graphql-armor's limit messages, each with its own code and without the misleading "Syntax Error:" prefix. */
const LIMITS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^Syntax Error: (Query depth limit of .*)$/s, 'QUERY_TOO_DEEP'],
  [/^Syntax Error: (Aliases limit of .*)$/s, 'TOO_MANY_ALIASES'],
  [/^Syntax Error: (Directives limit of .*)$/s, 'TOO_MANY_DIRECTIVES'],
  [/^Syntax Error: (Token limit of .*)$/s, 'TOO_MANY_TOKENS'],
];

function withCode(error: GraphQLError, fallback: string): GraphQLError {
  if (typeof error.extensions?.code === 'string') return error;
  let message = error.message;
  let code = fallback;
  for (const [pattern, limitCode] of LIMITS) {
    const match = pattern.exec(message);
    if (match) {
      message = match[1]!;
      code = limitCode;
      break;
    }
  }
  return new GraphQLError(message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

/** Errors of a result that has no data: the request itself was refused before anything ran. */
function codeRequestErrors(result: ExecutionResult): ExecutionResult | undefined {
  if (!result.errors?.length || result.data !== undefined || result.errors.every((error) => typeof error.extensions?.code === 'string')) return undefined;
  return {
    ...result,
    errors: result.errors.map((error) => withCode(error, error.message.startsWith('Variable ') ? 'BAD_USER_INPUT' : 'OPERATION_RESOLUTION_FAILURE')),
  };
}

function asGraphQLError(error: unknown): GraphQLError {
  return error instanceof GraphQLError ? error : new GraphQLError(error instanceof Error ? error.message : String(error));
}

function isResult(value: unknown): value is ExecutionResult {
  return typeof value === 'object' && value !== null && !(Symbol.asyncIterator in value);
}

export function useErrorCodes(): Plugin {
  return {
    onParse:
      () =>
      ({ result, replaceParseResult }) => {
        if (result instanceof GraphQLError) replaceParseResult(withCode(result, 'GRAPHQL_PARSE_FAILED'));
      },
    onValidate:
      () =>
      ({ result, setResult }) => {
        if (result.length) setResult(result.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED')));
      },
    onExecute: () => ({
      onExecuteDone: ({ result, setResult }) => {
        const coded = isResult(result) ? codeRequestErrors(result) : undefined;
        if (coded) setResult(coded);
      },
    }),
    // graphql-armor's validation rules throw rather than report: their error becomes the result here.
    onResultProcess: ({ result, setResult }) => {
      if (Array.isArray(result) || !isResult(result) || !result.errors?.length || result.data !== undefined) return;
      if (result.errors.every((error) => typeof error.extensions?.code === 'string')) return;
      setResult({ ...result, errors: result.errors.map((error) => withCode(asGraphQLError(error), 'BAD_REQUEST')) });
    },
    onSubscribe: () => ({
      onSubscribeResult: ({ result, setResult }) => {
        const coded = isResult(result) ? codeRequestErrors(result) : undefined;
        if (coded) setResult(coded);
      },
    }),
  };
}
