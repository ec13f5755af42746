// The provider of bench/provider-webhooks.ts, in its own process: sends Slack-signed events at a steady
// rate to the inbound route and prints one JSON line at the end with each acknowledgement's time.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { Agent, request } from 'undici';

const [url, rateText, secondsText, secret, teamsText] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const teams = Number(teamsText);
const total = rate * seconds;
const agent = new Agent({ connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });
const ackMs: number[] = [];
/** When each acknowledged request was sent (ms from the start), in the order of ackMs. */
const sentAtMs: number[] = [];
const statuses = new Map<number, number>();
let failures = 0;

async function send(index: number, target = url!, dispatcher = agent, record = true): Promise<void> {
  const at = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    type: 'event_callback',
    team_id: `T${index % teams}`,
    event_id: `Ev${index}`,
    event: { type: 'message', text: `message ${index}`, sentAt: Date.now() },
  });
  const signature = `v0=${createHmac('sha256', secret!).update(`v0:${at}:${body}`).digest('hex')}`;
  const started = performance.now();
  try {
    const answer = await request(target, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(at), 'x-slack-signature': signature },
      body,
    });
    await answer.body.dump();
    if (!record) return;
    ackMs.push(performance.now() - started);
    sentAtMs.push(started - start);
    statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
  } catch {
    failures++;
  }
}

// A provider is a warm service: this process's own code (signing, undici) is warmed first against a
// local stand-in, so that its start-up is not counted as Switchboard's acknowledgement time.
const standIn = http.createServer((req, res) => req.resume().on('end', () => res.end('{"ok":true}')));
await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
const standInAgent = new Agent({ connections: 16 });
const standInUrl = `http://127.0.0.1:${(standIn.address() as { port: number }).port}/`;
for (let round = 0; round < 100; round++) await Promise.all(Array.from({ length: 20 }, (_, index) => send(-1 - index, standInUrl, standInAgent, false)));
await standInAgent.close();
standIn.close();

const start = performance.now();
const inFlight: Promise<void>[] = [];
for (let index = 0; index < total; index++) {
  const due = start + (index * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  inFlight.push(send(index));
}
await Promise.all(inFlight);
const elapsed = (performance.now() - start) / 1000;
await agent.close();
process.stdout.write(
  `${JSON.stringify({ ackMs, sentAtMs, startedAt: performance.timeOrigin + start, statuses: Object.fromEntries(statuses), failures, elapsed })}\n`,
);
