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

// Failures are counted and reported once a second (a dump per socket would drown the output).
const failures = new Map<string, number>();
let failureReport: NodeJS.Timeout | undefined;
function noteFailure(what: string): void {
  failures.set(what, (failures.get(what) ?? 0) + 1);
  failureReport ??= setTimeout(() => {
    console.error(`subscriber failures: ${JSON.stringify(Object.fromEntries(failures))}`);
    failures.clear();
    failureReport = undefined;
  }, 1000);
}
function noteClose(code: number | undefined): void {
  if (code !== 1000 && code !== 1001) noteFailure(`closed ${code}`);
}
function noteError(error: unknown): void {
  noteFailure(
    `error ${error instanceof Error ? error.message : ((error as { message?: string; type?: string })?.message ?? (error as { type?: string })?.type ?? String(error))}`,
  );
}

// Sockets are opened CONNECTING_AT_ONCE at a time (each next one when one is acknowledged): a burst
// of 10,000 connects overflows the listen backlog and the kernel resets some, which measures the
// machine, not the fan-out.
const CONNECTING_AT_ONCE = 256;
let opened = 0;
function openNext(): void {
  if (opened++ < count) openClient();
}
for (let index = 0; index < CONNECTING_AT_ONCE; index++) openNext();

function openClient(): void {
  const client = createClient({
    url: `${url!.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { 'x-api-key': apiKey!, 'x-user-id': userId! },
    lazy: false,
    retryAttempts: 0,
    on: { connected: () => openNext(), closed: (event) => noteClose((event as { code?: number }).code) },
    // Its default would print every failed socket in full.
    onNonLazyError: (error) => noteError(error),
  });
  client.subscribe(
    { query: query! },
    {
      next: () => {
        receipts.push(performance.timeOrigin + performance.now());
        checkDone();
      },
      error: (error) => noteError(error),
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
