// The provider of bench/provider-webhooks.ts, in its own process: sends Slack-signed events at a steady
// rate to the inbound route and prints one JSON line at the end with each acknowledgement's time.
import { createHmac } from 'node:crypto';
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

async function send(index: number): Promise<void> {
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
    const answer = await request(url!, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(at), 'x-slack-signature': signature },
      body,
    });
    await answer.body.dump();
    ackMs.push(performance.now() - started);
    sentAtMs.push(started - start);
    statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
  } catch {
    failures++;
  }
}

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
