// The cost limit of a GraphQL operation: every field costs 1 plus its selection, and a paginated
// field (first/last) multiplies its selection by the page it asks for (the relay default, 20, when
// it asks for none; at most 100). So a query's cost tracks the rows it can make the server load,
// whatever its depth: `webhookEndpoints { … deliveries { … } }` costs about 20 × 20 × its fields.
import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Plugin } from '@envelop/core';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';

/** Pothos relay's page sizes: the default when first/last are absent, and the largest served. */
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

const pageAwareEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  const paginated = field.args.some((arg) => arg.name === 'first') && field.args.some((arg) => arg.name === 'last');
  if (!paginated) return 1 + childComplexity;
  const requested = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : DEFAULT_PAGE_SIZE;
  return 1 + Math.min(Math.max(requested, 0), MAX_PAGE_SIZE) * childComplexity;
};

function queryCost(schema: GraphQLSchema, document: DocumentNode, variables?: Record<string, unknown>, operationName?: string | null): number {
  return getComplexity({ schema, query: document, variables: variables ?? {}, operationName: operationName ?? undefined, estimators: [pageAwareEstimator] });
}

/** Refuses operations (queries, mutations and subscriptions) that cost more than maxCost, before they run. */
export function useQueryCostLimit(maxCost: number): Plugin {
  const check = (args: { schema: GraphQLSchema; document: DocumentNode; variableValues?: Record<string, unknown> | null; operationName?: string | null }) => {
    let cost: number;
    try {
      cost = queryCost(args.schema, args.document, args.variableValues ?? undefined, args.operationName);
    } catch {
      // Variables that do not coerce: execution reports that itself.
      return undefined;
    }
    if (cost <= maxCost) return undefined;
    return new GraphQLError(`Query cost ${cost} exceeds the maximum cost of ${maxCost} (a page of first/last items counts its selection that many times).`, {
      extensions: { code: 'QUERY_TOO_COSTLY', cost, maxCost },
    });
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
