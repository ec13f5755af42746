// Subscribers whose results cannot differ share one execution per event: same parsed document (the
// parser cache gives one object per query text), operation name, variables and viewer. Each
// subscriber's subscribe resolver still runs on its own (authorization, filters, counts); only the
// per-event execution of the selection is shared, and each transport serializes the shared result
// (the WebSocket transport once per result object: see src/http/websocket.ts).
import type { Plugin } from '@envelop/core';
import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Context } from '../builder.js';

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;
/** Per event (the source stream's payload object): share key → its execution. Dies with the event. */
const executions = new WeakMap<object, Map<string, Execution>>();

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

type Execution = ExecutionResult | Promise<ExecutionResult>;

/**
 * The source stream mapped to execution results, as graphql-js's mapAsyncIterator but with one
 * promise per event instead of an async function's chain (it runs once per subscriber per event).
 */
class ResultStream implements AsyncGenerator<ExecutionResult, void, void> {
  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly executeEvent: (event: unknown) => Execution,
  ) {}

  private readonly mapStep = (step: IteratorResult<unknown>): IteratorResult<ExecutionResult, void> | Promise<IteratorResult<ExecutionResult, void>> => {
    if (step.done) return step as IteratorReturnResult<void>;
    let execution: Execution;
    try {
      execution = this.executeEvent(step.value);
    } catch (error) {
      return this.closeSource(error);
    }
    if (!(execution instanceof Promise)) return { done: false, value: execution };
    return execution.then((value) => ({ done: false, value }), (error: unknown) => this.closeSource(error));
  };

  /** As graphql-js does when mapping fails: the source is closed, the error goes to the consumer. */
  private async closeSource(error: unknown): Promise<never> {
    try {
      await this.source.return?.();
    } catch {
      // the mapping's error is the one that matters
    }
    throw error;
  }

  next(): Promise<IteratorResult<ExecutionResult, void>> {
    return this.source.next().then(this.mapStep);
  }

  async return(): Promise<IteratorResult<ExecutionResult, void>> {
    if (this.source.return) await this.source.return();
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<ExecutionResult, void>> {
    if (this.source.throw) return this.source.throw(error).then(this.mapStep);
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}

/** graphql-js's subscribe, with the per-event execute memoized by (event, share key). */
export async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult, void, void> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream as ExecutionResult;
  const shareKey = shareKeyOf(args);
  return new ResultStream(stream[Symbol.asyncIterator](), (event) => {
    if (shareKey === undefined || typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
    let byKey = executions.get(event);
    if (!byKey) executions.set(event, (byKey = new Map()));
    let result = byKey.get(shareKey);
    if (!result) {
      const execution = execute({ ...args, rootValue: event });
      byKey.set(shareKey, (result = execution));
      // Subscribers after the execution finished get its result itself, without another promise.
      if (execution instanceof Promise) execution.then((value) => byKey.get(shareKey) === execution && byKey.set(shareKey, value), () => {});
    }
    return result;
  });
}

export function useSharedSubscriptionExecution(): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(sharedSubscribe as never);
    },
  };
}
