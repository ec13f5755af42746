// Subscribers whose results cannot differ share one execution per event: same parsed document (the
// parser cache gives one object per query text), operation name, variables and viewer. Each
// subscriber's subscribe resolver still runs on its own (authorization, filters, counts); only the
// per-event execution of the selection is shared, and each transport serializes the shared result
// (the WebSocket transport once per result object: see src/http/websocket.ts).
//
// Two ways to consume a subscription. Pulled (SSE, anything generic): an async iterator of results,
// wrapped by envelop's result hooks (error masking) per subscriber. Pushed (the WebSocket transport
// asks for it with PUSH_DELIVERY in the context): results are handed to a sink, in order, one call
// per subscriber per event; subscribers waiting for the same execution are told together when it
// settles, and the transport's mask is applied once per shared result. No promise per subscriber.
import type { Plugin } from '@envelop/core';
import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Logger } from '../kernel/log.js';
import type { Context } from './context.js';

/** Context key under which a transport asks for pushed results (see PushedSubscription). */
export const PUSH_DELIVERY = Symbol('push delivery');

export interface PushDelivery {
  /** What envelop's result hooks would do to each result (error masking), done once per shared result. */
  maskResult(result: ExecutionResult): ExecutionResult;
  /** Events waiting for earlier executions to settle, beyond which the subscription ends. */
  backlogMax: number;
  logger: Logger;
}

/** Where a pushed subscription's results go. Called synchronously; must not throw. */
export interface ResultSink {
  next(result: ExecutionResult): void;
  error(error: unknown): void;
  complete(): void;
}

/** A source stream that can push its events (src/domain/status-stream.ts); others are pulled. */
interface PushSource {
  listen(listener: { event(value: unknown): void; end(): void }): void;
}

/** One execution of an event for one share key (or for one subscriber when nothing is shared). */
interface SharedExecution {
  settled: boolean;
  failed: boolean;
  result?: ExecutionResult;
  error?: unknown;
  promise?: Promise<ExecutionResult>;
  /** Pushed subscribers with this execution in their backlog, told when it settles. */
  waiting?: PushedSubscription[];
  /** The result as masked for pushed delivery, once. */
  masked?: ExecutionResult;
  maskedBy?: PushDelivery;
}

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;
/** Per event (the source stream's payload object): share key → its execution. Dies with the event. */
const executions = new WeakMap<object, Map<string, SharedExecution>>();

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

function settle(execution: SharedExecution, failed: boolean, value: unknown): void {
  execution.settled = true;
  execution.failed = failed;
  if (failed) execution.error = value;
  else execution.result = value as ExecutionResult;
  execution.promise = undefined;
  const waiting = execution.waiting;
  execution.waiting = undefined;
  // Runs in a promise callback: one subscriber's failing delivery must not stop the others' (nor
  // become an unhandled rejection).
  if (waiting) for (const subscription of waiting) subscription.drainSafely();
}

function executeEvent(args: ExecutionArgs, event: unknown): SharedExecution {
  const execution: SharedExecution = { settled: false, failed: false };
  try {
    const outcome = execute({ ...args, rootValue: event });
    if (outcome instanceof Promise) {
      execution.promise = outcome;
      outcome.then(
        (result) => settle(execution, false, result),
        (error: unknown) => settle(execution, true, error),
      );
    } else settle(execution, false, outcome);
  } catch (error) {
    settle(execution, true, error);
  }
  return execution;
}

/**
 * The source stream mapped to execution results, as graphql-js's mapAsyncIterator but with one
 * promise per event instead of an async function's chain (it runs once per subscriber per event).
 */
class ResultStream implements AsyncGenerator<ExecutionResult, void, void> {
  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly executionOf: (event: unknown) => SharedExecution,
  ) {}

  private readonly mapStep = (step: IteratorResult<unknown>): IteratorResult<ExecutionResult, void> | Promise<IteratorResult<ExecutionResult, void>> => {
    if (step.done) return step as IteratorReturnResult<void>;
    const execution = this.executionOf(step.value);
    if (execution.promise)
      return execution.promise.then(
        (value) => ({ done: false, value }),
        (error: unknown) => this.closeSource(error),
      );
    if (execution.failed) return this.closeSource(execution.error);
    return { done: false, value: execution.result! };
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

/**
 * A subscription whose results are pushed to a sink (see the file's comment). Not an async
 * iterable, so envelop hands it back as it is; the transport calls listen() once, return() to end.
 */
export class PushedSubscription {
  private sink: ResultSink | undefined;
  /** Executions of events received, not yet delivered because an earlier one has not settled. */
  private backlog: SharedExecution[] | undefined;
  private sourceEnded = false;
  private closed = false;

  constructor(
    private readonly source: AsyncIterator<unknown> & Partial<PushSource>,
    private readonly executionOf: (event: unknown) => SharedExecution,
    private readonly delivery: PushDelivery,
  ) {}

  listen(sink: ResultSink): void {
    this.sink = sink;
    if (typeof this.source.listen === 'function') this.source.listen(this);
    else this.pull();
  }

  /** The source has an event for this subscriber. */
  event(value: unknown): void {
    if (this.closed) return;
    const execution = this.executionOf(value);
    if (execution.settled && !this.backlog?.length) return this.deliver(execution);
    if ((this.backlog?.length ?? 0) >= this.delivery.backlogMax) {
      // Events arrive faster than their executions settle (a stalled database read): end it, as a
      // pulled stream ends past its queue bound, rather than hold events without bound.
      this.close();
      return this.sink!.error(new Error('Subscription ended: its events arrive faster than they can be delivered.'));
    }
    (this.backlog ??= []).push(execution);
    if (!execution.settled) (execution.waiting ??= []).push(this);
  }

  /** The source ended (the client went away, credentials expired, shutdown): complete after what is pending. */
  end(): void {
    this.sourceEnded = true;
    this.drain();
  }

  /** drain(), ending only this subscription (logged) when its delivery throws. */
  drainSafely(): void {
    try {
      this.drain();
    } catch (error) {
      this.deliveryFailed(error);
    }
  }

  /** A delivery threw (the sink's socket write…): this subscription ends, logged; the others go on. */
  private deliveryFailed(error: unknown): void {
    this.delivery.logger.error({ err: error }, 'subscription result delivery failed; the subscription ends');
    this.close();
  }

  /** Stops delivering and closes the source, without waiting (a failing return changes nothing here). */
  private close(): void {
    this.closed = true;
    this.backlog = undefined;
    this.source.return?.()?.catch(() => {});
  }

  /** Delivers the backlog's settled head, in order. */
  drain(): void {
    const backlog = this.backlog;
    while (!this.closed && backlog?.length && backlog[0]!.settled) this.deliver(backlog.shift()!);
    if (!this.closed && this.sourceEnded && !backlog?.length) {
      this.closed = true;
      this.sink!.complete();
    }
  }

  private deliver(execution: SharedExecution): void {
    if (execution.failed) {
      this.close();
      return this.sink!.error(execution.error);
    }
    if (execution.maskedBy !== this.delivery) {
      execution.masked = this.delivery.maskResult(execution.result!);
      execution.maskedBy = this.delivery;
    }
    this.sink!.next(execution.masked!);
  }

  /** For sources that cannot push: one pull at a time. */
  private pull(): void {
    this.source
      .next()
      .then(
        (step) => {
          if (this.closed) return;
          if (step.done) return this.end();
          this.event(step.value);
          this.pull();
        },
        (error: unknown) => {
          if (this.closed) return;
          this.closed = true;
          this.sink!.error(error);
        },
      )
      .catch((error: unknown) => this.deliveryFailed(error));
  }

  /** Ends the subscription from the consumer's side (client completed, socket closed). */
  async return(): Promise<void> {
    this.closed = true;
    this.backlog = undefined;
    await this.source.return?.();
  }
}

/** graphql-js's subscribe, with the per-event execute memoized by (event, share key); pushed when the transport asks. */
export async function sharedSubscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult, void, void> | ExecutionResult | PushedSubscription> {
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream as ExecutionResult;
  const shareKey = shareKeyOf(args);
  const executionOf = (event: unknown): SharedExecution => {
    if (shareKey === undefined || typeof event !== 'object' || event === null) return executeEvent(args, event);
    let byKey = executions.get(event);
    if (!byKey) executions.set(event, (byKey = new Map()));
    let execution = byKey.get(shareKey);
    if (!execution) byKey.set(shareKey, (execution = executeEvent(args, event)));
    return execution;
  };
  const delivery = (args.contextValue as Record<symbol, PushDelivery | undefined> | undefined)?.[PUSH_DELIVERY];
  const source = stream[Symbol.asyncIterator]();
  return delivery ? new PushedSubscription(source, executionOf, delivery) : new ResultStream(source, executionOf);
}

export function useSharedSubscriptionExecution(): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(sharedSubscribe as never);
    },
  };
}
