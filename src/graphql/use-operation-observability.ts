// An envelop plugin that counts GraphQL operations (switchboard_graphql_operations_total) and, with
// tracing on, wraps each execution in a span (so proxied calls and token requests made by resolvers
// become its children). Labels and attributes: the operation type and name, never variables.
import type { Plugin } from '@envelop/core';
import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { GraphQLOperationType, Metrics } from '../metrics/registry.js';
import { traced, tracingEnabled } from '../telemetry/tracing.js';

function operationOf(document: DocumentNode | undefined, operationName?: string | null): { type: GraphQLOperationType; name?: string } {
  const operation = document ? getOperationAST(document, operationName ?? undefined) : null;
  return { type: operation?.operation ?? 'unknown', name: operation?.name?.value };
}

function hasErrors(result: unknown): boolean {
  return Boolean((result as ExecutionResult | undefined)?.errors?.length);
}

export function useOperationObservability(metrics: Pick<Metrics, 'recordGraphQLOperation'>): Plugin {
  const recordGraphQLOperation = metrics.recordGraphQLOperation;
  return {
    onValidate({ params }) {
      return ({ valid }) => {
        if (!valid) recordGraphQLOperation(operationOf(params.documentAST as DocumentNode).type, 'invalid');
      };
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      const operation = operationOf(args.document, args.operationName);
      if (tracingEnabled()) {
        const attributes = { 'graphql.operation.type': operation.type, ...(operation.name ? { 'graphql.operation.name': operation.name } : {}) };
        setExecuteFn((executeArgs) =>
          traced(`graphql.${operation.type}${operation.name ? ` ${operation.name}` : ''}`, attributes, () => executeFn(executeArgs)),
        );
      }
      return {
        onExecuteDone({ result }) {
          // Incremental delivery (an async iterable) counts as one operation that started well.
          const isIterable = result && typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
          recordGraphQLOperation(operation.type, !isIterable && hasErrors(result) ? 'error' : 'success');
        },
      };
    },
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const operation = operationOf(args.document, args.operationName);
      if (tracingEnabled()) {
        const attributes = { 'graphql.operation.type': 'subscription', ...(operation.name ? { 'graphql.operation.name': operation.name } : {}) };
        setSubscribeFn((subscribeArgs) =>
          traced(`graphql.subscription${operation.name ? ` ${operation.name}` : ''}`, attributes, () => subscribeFn(subscribeArgs)),
        );
      }
      return {
        onSubscribeResult({ result }) {
          const isIterable = result && typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
          recordGraphQLOperation('subscription', !isIterable && hasErrors(result) ? 'error' : 'success');
        },
        onSubscribeError() {
          recordGraphQLOperation('subscription', 'error');
        },
      };
    },
  };
}
