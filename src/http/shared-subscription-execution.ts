// Subscribers whose results cannot differ share one execution per event: same parsed document (the
// parser cache gives one object per query text), operation name, variables and viewer. Each
// subscriber's subscribe resolver still runs on its own (authorization, filters, counts); only the
// per-event execution of the selection is shared, and each transport serializes the shared result.
import type { Plugin } from '@envelop/core';
import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { mapAsyncIterator } from 'graphql/execution/mapAsyncIterator.js';
import type { Context } from '../builder.js';

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;
/** Per event (the source stream's payload object): share key → its execution. Dies with the event. */
const executions = new WeakMap<object, Map<string, ExecutionResult | Promise<ExecutionResult>>>();

function shareKeyOf(args: ExecutionArgs): string | undefined {
  const viewer = (args.contextValue as Partial<Context> | undefined)?.viewer;
  if (!viewer) return undefined;
  let documentId = documentIds.get(args.document);
  if (documentId === undefined) documentIds.set(args.document, (documentId = nextDocumentId++));
  return JSON.stringify([documentId, args.operationName ?? null, args.variableValues ?? null, viewer]);
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
}

/** graphql-js's subscribe, with the per-event execute memoized by (event, share key). */
export async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult, void, void> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream as ExecutionResult;
  const shareKey = shareKeyOf(args);
  return mapAsyncIterator(stream, (event) => {
    if (shareKey === undefined || typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
    let byKey = executions.get(event);
    if (!byKey) executions.set(event, (byKey = new Map()));
    let result = byKey.get(shareKey);
    if (!result) byKey.set(shareKey, (result = execute({ ...args, rootValue: event })));
    return result;
  }) as AsyncGenerator<ExecutionResult, void, void>;
}

export function useSharedSubscriptionExecution(): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(sharedSubscribe as never);
    },
  };
}
