// The cost limit of a GraphQL operation: every field costs 1 plus its selection, and a paginated
// field (first/last) multiplies its selection by the page it asks for (the relay default, 20, when
// it asks for none; at most 100). So a query's cost tracks the rows it can make the server load,
// whatever its depth: `webhookEndpoints { … deliveries { … } }` costs about 20 × 20 × its fields.
import { GraphQLError, Kind, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
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

/**
 * The variables a document's cost can depend on: those given to `first`/`last` (the page size) and to
 * directives (`@skip`/`@include` remove selections). Any other variable (a proxied body, an id) cannot
 * change the cost, so the cost of one document is computed once per distinct value of these.
 */
function costVariablesOf(document: DocumentNode): string[] {
  const names = new Set<string>();
  let inDirective = 0;
  visit(document, {
    Directive: { enter: () => void inDirective++, leave: () => void inDirective-- },
    Argument(node) {
      if (node.value.kind !== Kind.VARIABLE) return;
      if (inDirective > 0 || node.name.value === 'first' || node.name.value === 'last') names.add(node.value.name.value);
    },
  });
  return [...names];
}

/** Distinct cost keys kept per document before its entries are dropped (variables are the client's to vary). */
const COSTS_PER_DOCUMENT = 64;

interface DocumentCosts {
  schema: GraphQLSchema;
  variables: string[];
  costs: Map<string, number>;
}

/** Refuses operations (queries, mutations and subscriptions) that cost more than maxCost, before they run. */
export function useQueryCostLimit(maxCost: number): Plugin {
  // Yoga's parser cache hands out the same DocumentNode for the same source, so a document's cost is
  // computed once rather than by a full visit on every request.
  const byDocument = new WeakMap<DocumentNode, DocumentCosts>();
  const costOf = (schema: GraphQLSchema, document: DocumentNode, variableValues: Record<string, unknown> | undefined, operationName?: string | null) => {
    let entry = byDocument.get(document);
    if (!entry || entry.schema !== schema) {
      entry = { schema, variables: costVariablesOf(document), costs: new Map() };
      byDocument.set(document, entry);
    }
    const key = `${operationName ?? ''}\u0000${entry.variables.length ? JSON.stringify(entry.variables.map((name) => variableValues?.[name] ?? null)) : ''}`;
    let cost = entry.costs.get(key);
    if (cost === undefined) {
      cost = queryCost(schema, document, variableValues, operationName);
      if (entry.costs.size >= COSTS_PER_DOCUMENT) entry.costs.clear();
      entry.costs.set(key, cost);
    }
    return cost;
  };
  const check = (args: { schema: GraphQLSchema; document: DocumentNode; variableValues?: Record<string, unknown> | null; operationName?: string | null }) => {
    let cost: number;
    try {
      cost = costOf(args.schema, args.document, args.variableValues ?? undefined, args.operationName);
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
