// The subscribers of bench/fanout.ts: N graphql-ws clients, each on its own WebSocket. Told on stdin
// how many deliveries the next event makes, it answers "armed", then "received" with each receipt time.
import readline from 'node:readline';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, countText, apiKey, userId, query] = process.argv.slice(2);
const count = Number(countText);
const receipts: number[] = [];
let expected = Infinity;

function send(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function checkDone(): void {
  if (receipts.length >= expected) {
    send({ type: 'received', times: receipts.splice(0, receipts.length) });
    expected = Infinity;
  }
}

for (let index = 0; index < count; index++) {
  const client = createClient({
    url: `${url!.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { 'x-api-key': apiKey!, 'x-user-id': userId! },
    lazy: false,
    retryAttempts: 0,
  });
  client.subscribe(
    { query: query! },
    {
      next: () => {
        receipts.push(performance.timeOrigin + performance.now());
        checkDone();
      },
      error: (error) => console.error('subscription error', error),
      complete: () => {},
    },
  );
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line) as { type: string; count: number };
  if (message.type === 'expect') {
    expected = message.count;
    send({ type: 'armed' });
    checkDone();
  }
});
