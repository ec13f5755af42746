// The per-event execution of a subscription is shared by subscribers whose results cannot differ
// (same document, variables and viewer), and only by them.
import { buildSchema, parse, type ExecutionResult } from 'graphql';
import { Repeater } from 'graphql-yoga';
import { describe, expect, it, vi } from 'vitest';
import { PUSH_DELIVERY, PushedSubscription, sharedSubscribe, type PushDelivery } from '../src/graphql/use-shared-subscription-execution.js';
import { silentLogger } from '../src/kernel/log.js';

const schema = buildSchema(`
  type Query { ok: Boolean }
  type Event { value: Int, seenBy: String }
  type Subscription { changed(tag: String): Event }
`);

describe('shared subscription execution', () => {
  it('executes an event once per distinct (document, variables, viewer) and gives each subscriber its result', async () => {
    const listeners = new Set<(event: object) => void>();
    let executions = 0;
    const rootValue = {
      changed: () =>
        new Repeater<object>(async (push, stop) => {
          const listener = (event: object) => void push(event);
          listeners.add(listener);
          await stop;
          listeners.delete(listener);
        }),
    };
    const fieldResolver = (source: Record<string, unknown>, _args: unknown, context: { viewer: { userId: string } }, info: { fieldName: string }) => {
      if (info.fieldName === 'changed') return source;
      if (info.fieldName === 'seenBy') {
        executions++;
        return context.viewer.userId;
      }
      return source[info.fieldName];
    };
    const document = parse('subscription ($tag: String) { changed(tag: $tag) { value seenBy } }');
    const subscribe = (userId: string, tag: string) =>
      sharedSubscribe({
        schema,
        document,
        rootValue,
        fieldResolver: fieldResolver as never,
        subscribeFieldResolver: (root, _args, _context, info) => (root as typeof rootValue)[info.fieldName as 'changed'](),
        contextValue: { viewer: { userId, isAdmin: false, via: 'jwt' } },
        variableValues: { tag },
      }) as Promise<AsyncGenerator<ExecutionResult>>;
    const streams = await Promise.all([subscribe('a', 'x'), subscribe('a', 'x'), subscribe('a', 'x'), subscribe('b', 'x'), subscribe('a', 'y')]);
    const next = streams.map((stream) => stream.next());
    await new Promise((resolve) => setImmediate(resolve));
    expect(listeners.size).toBe(5);

    const event = { value: 7 };
    for (const listener of listeners) listener(event);
    const results = (await Promise.all(next)).map((step) => step.value as ExecutionResult);
    expect(results.map((result) => result.data)).toEqual([
      { changed: { value: 7, seenBy: 'a' } },
      { changed: { value: 7, seenBy: 'a' } },
      { changed: { value: 7, seenBy: 'a' } },
      { changed: { value: 7, seenBy: 'b' } },
      { changed: { value: 7, seenBy: 'a' } },
    ]);
    // Three distinct (variables, viewer) pairs: three executions for five subscribers.
    expect(executions).toBe(3);
    // Another event is executed afresh.
    const again = streams.map((stream) => stream.next());
    const second = { value: 8 };
    for (const listener of listeners) listener(second);
    await Promise.all(again);
    expect(executions).toBe(6);

    await Promise.all(streams.map((stream) => stream.return(undefined)));
    expect(listeners.size).toBe(0);
  });

  it('pushes each subscriber its own viewer’s result, in order, executing and masking once per distinct (document, variables, viewer)', async () => {
    /** A source that pushes (as the status stream does): listeners get events as they are published. */
    const sources = new Set<{ listener?: { event(value: unknown): void; end(): void } }>();
    const source = () => {
      const entry: { listener?: { event(value: unknown): void; end(): void } } = {};
      sources.add(entry);
      return {
        listen(listener: { event(value: unknown): void; end(): void }) {
          entry.listener = listener;
        },
        next: () => new Promise<IteratorResult<unknown>>(() => {}),
        return: async () => (sources.delete(entry), { done: true as const, value: undefined }),
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    };
    let executions = 0;
    // An asynchronous field: later events settle while earlier ones wait, order must still hold.
    const fieldResolver = (source: Record<string, unknown>, _args: unknown, context: { viewer: { userId: string } }, info: { fieldName: string }) => {
      if (info.fieldName === 'changed') return source;
      if (info.fieldName === 'seenBy') {
        executions++;
        const delay = source.value === 1 ? 20 : 1;
        return new Promise((resolve) => setTimeout(() => resolve(context.viewer.userId), delay));
      }
      return source[info.fieldName];
    };
    let masked = 0;
    const delivery: PushDelivery = {
      maskResult: (result) => {
        masked++;
        return { ...result, extensions: { masked: true } };
      },
      backlogMax: 100,
      logger: silentLogger(),
    };
    const document = parse('subscription ($tag: String) { changed(tag: $tag) { value seenBy } }');
    const received: Array<Array<ExecutionResult>> = [];
    const completed: boolean[] = [];
    const subscribe = async (userId: string, tag: string) => {
      const subscription = await sharedSubscribe({
        schema,
        document,
        rootValue: { changed: source },
        fieldResolver: fieldResolver as never,
        subscribeFieldResolver: () => source(),
        contextValue: { viewer: { userId, isAdmin: false, via: 'jwt' }, [PUSH_DELIVERY]: delivery },
        variableValues: { tag },
      });
      expect(subscription).toBeInstanceOf(PushedSubscription);
      const index = received.push([]) - 1;
      completed.push(false);
      (subscription as PushedSubscription).listen({
        next: (result) => received[index]!.push(result),
        error: (error) => {
          throw error;
        },
        complete: () => (completed[index] = true),
      });
      return subscription as PushedSubscription;
    };
    const subscriptions = [
      await subscribe('a', 'x'),
      await subscribe('a', 'x'),
      await subscribe('a', 'x'),
      await subscribe('b', 'x'),
      await subscribe('a', 'y'),
    ];
    expect(sources.size).toBe(5);

    // Two events back to back: the first one's execution is the slower.
    for (const value of [1, 2]) {
      const event = { value };
      for (const { listener } of sources) listener!.event(event);
    }
    await vi.waitFor(() => expect(received.every((results) => results.length === 2)).toBe(true));
    expect(received.map((results) => results.map((result) => result.data))).toEqual([
      ...[0, 1, 2].map(() => [{ changed: { value: 1, seenBy: 'a' } }, { changed: { value: 2, seenBy: 'a' } }]),
      [{ changed: { value: 1, seenBy: 'b' } }, { changed: { value: 2, seenBy: 'b' } }],
      [{ changed: { value: 1, seenBy: 'a' } }, { changed: { value: 2, seenBy: 'a' } }],
    ]);
    expect(received.every((results) => results.every((result) => result.extensions?.masked === true))).toBe(true);
    // One result object for the three alike subscribers; viewer b's and tag y's are their own.
    expect(received[1]![0]).toBe(received[0]![0]);
    expect(received[2]![1]).toBe(received[0]![1]);
    expect(received[3]![0]).not.toBe(received[0]![0]);
    expect(received[4]![0]).not.toBe(received[0]![0]);
    // Three distinct (variables, viewer) pairs per event: three executions and three maskings, for five subscribers.
    expect(executions).toBe(6);
    expect(masked).toBe(6);

    // The source ending completes the subscriber; returning one ends its source.
    [...sources][0]!.listener!.end();
    expect(completed).toEqual([true, false, false, false, false]);
    await Promise.all(subscriptions.map((subscription) => subscription.return()));
    expect(sources.size).toBe(0);
  });

  it('ends only the pushed subscriber whose delivery throws, or whose backlog passes its bound; the others keep theirs', async () => {
    const sources = new Set<{ listener?: { event(value: unknown): void; end(): void }; returned: boolean }>();
    const source = () => {
      const entry: { listener?: { event(value: unknown): void; end(): void }; returned: boolean } = { returned: false };
      sources.add(entry);
      return {
        listen: (listener: { event(value: unknown): void; end(): void }) => void (entry.listener = listener),
        next: () => new Promise<IteratorResult<unknown>>(() => {}),
        return: async () => ((entry.returned = true), { done: true as const, value: undefined }),
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    };
    // seenBy settles when the test says: events wait for their executions meanwhile.
    const pending: Array<() => void> = [];
    const fieldResolver = (event: Record<string, unknown>, _args: unknown, context: { viewer: { userId: string } }, info: { fieldName: string }) => {
      if (info.fieldName === 'changed') return event;
      if (info.fieldName === 'seenBy') return new Promise((resolve) => pending.push(() => resolve(context.viewer.userId)));
      return event[info.fieldName];
    };
    const delivery: PushDelivery = { maskResult: (result) => result, backlogMax: 2, logger: silentLogger() };
    const document = parse('subscription { changed { value seenBy } }');
    const subscribe = async (userId: string, sink: { next(result: ExecutionResult): void; error(error: unknown): void; complete(): void }) => {
      const subscription = (await sharedSubscribe({
        schema,
        document,
        rootValue: { changed: source },
        fieldResolver: fieldResolver as never,
        subscribeFieldResolver: () => source(),
        contextValue: { viewer: { userId, isAdmin: false, via: 'jwt' }, [PUSH_DELIVERY]: delivery },
      })) as PushedSubscription;
      subscription.listen(sink);
      return subscription;
    };
    const received: Record<string, unknown[]> = { throwing: [], steady: [], errors: [] };
    await subscribe('throwing', {
      next: () => {
        throw new Error('socket gone');
      },
      error: (error) => received.errors!.push(error),
      complete: () => {},
    });
    await subscribe('steady', { next: (result) => received.steady!.push(result.data), error: (error) => received.errors!.push(error), complete: () => {} });
    const [throwing, steady] = [...sources];

    const publish = (value: number) => {
      const event = { value };
      for (const { listener } of sources) listener!.event(event);
    };
    publish(1);
    for (const settle of pending.splice(0)) settle();
    await vi.waitFor(() => expect(received.steady).toHaveLength(1));
    // The throwing sink's failure ended its own subscription only; no unhandled rejection, no error to others.
    expect(throwing!.returned).toBe(true);
    expect(steady!.returned).toBe(false);
    expect(received.errors).toEqual([]);

    // Two events wait for an execution that does not settle: the third is past the bound, the subscription ends.
    publish(2);
    publish(3);
    expect(steady!.returned).toBe(false);
    publish(4);
    expect(steady!.returned).toBe(true);
    expect(received.errors).toHaveLength(1);
    expect(String(received.errors![0])).toContain('faster than they can be delivered');
    for (const settle of pending.splice(0)) settle();
  });
});
