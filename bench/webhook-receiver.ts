// The receiving app of bench/webhooks.ts, in its own process: verifies every delivery with the
// standardwebhooks package and prints one JSON line per delivery (id, type, event time, receipt time).
// An app is a warm service: its own code (HTTP, the signature check) is warmed against itself before
// it announces its port, so that its start-up is not counted in Switchboard's figures (the provider of
// bench/provider-webhook-sender.ts does the same).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

const secrets = new Map<string, Webhook>();
const WARM_UP_PATH = '/warm-up';
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const receivedAt = Date.now();
    const body = Buffer.concat(chunks).toString('utf8');
    const endpoint = req.url ?? '/';
    try {
      const event = secrets.get(endpoint)!.verify(body, req.headers as Record<string, string>) as {
        type: string;
        timestamp: string;
        data?: { payload?: { event?: { sentAt?: number } } };
      };
      res.writeHead(204).end();
      if (endpoint === WARM_UP_PATH) return;
      // sentAt: when bench/provider-webhook-sender.ts sent the provider webhook this forwards.
      const sentAt = event.data?.payload?.event?.sentAt;
      process.stdout.write(
        `${JSON.stringify({ endpoint, id: req.headers['webhook-id'], type: event.type, at: Date.parse(event.timestamp), receivedAt, sentAt })}\n`,
      );
    } catch (error) {
      res.writeHead(400).end();
      process.stdout.write(`${JSON.stringify({ endpoint, invalid: (error as Error).message })}\n`);
    }
  });
});
// Secrets arrive on standard input: "path secret" per line.
process.stdin.setEncoding('utf8');
let pending = '';
process.stdin.on('data', (chunk: string) => {
  pending += chunk;
  const lines = pending.split('\n');
  pending = lines.pop()!;
  for (const line of lines) {
    const [path, secret] = line.split(' ');
    if (path && secret) secrets.set(path, new Webhook(secret));
    process.stdout.write(`${JSON.stringify({ registered: path })}\n`);
  }
});

/** Deliveries of the size Switchboard sends, signed and sent to this server: its code runs warm from the first real one. */
async function warmUp(port: number): Promise<void> {
  const webhook = new Webhook(`whsec_${Buffer.alloc(24, 7).toString('base64')}`);
  secrets.set(WARM_UP_PATH, webhook);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const post = (index: number) =>
    new Promise<void>((resolve) => {
      const id = `msg_warm_up_${index}`;
      const at = new Date();
      const body = JSON.stringify({
        type: 'provider.webhook',
        timestamp: at.toISOString(),
        data: { integration: 'warm-up', connections: [], payload: { event: { type: 'message', text: `message ${index}`.padEnd(300, '.') } } },
      });
      const headers = {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': webhook.sign(id, at, body),
      };
      http
        .request({ host: '127.0.0.1', port, path: WARM_UP_PATH, method: 'POST', agent, headers }, (res) => res.resume().on('end', resolve))
        .on('error', () => resolve())
        .end(body);
    });
  for (let round = 0; round < 100; round++) await Promise.all(Array.from({ length: 16 }, (_, index) => post(round * 16 + index)));
  agent.destroy();
  secrets.delete(WARM_UP_PATH);
}

server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address() as AddressInfo;
  await warmUp(port);
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
