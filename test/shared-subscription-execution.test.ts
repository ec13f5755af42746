// The per-event execution of a subscription is shared by subscribers whose results cannot differ
// (same document, variables and viewer), and only by them.
import { buildSchema, parse, type ExecutionResult } from 'graphql';
import { Repeater } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { sharedSubscribe } from '../src/http/shared-subscription-execution.js';

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
      changed: () => new Repeater<object>(async (push, stop) => {
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
      sharedSubscribe({ schema, document, rootValue, fieldResolver: fieldResolver as never, subscribeFieldResolver: (root, _args, _context, info) => (root as typeof rootValue)[info.fieldName as 'changed'](), contextValue: { viewer: { userId, isAdmin: false, via: 'jwt' } }, variableValues: { tag } }) as Promise<AsyncGenerator<ExecutionResult>>;
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
});
