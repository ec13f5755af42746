// The receiving app of bench/webhooks.ts, in its own process: verifies every delivery with the
// standardwebhooks package and prints one JSON line per delivery (id, type, event time, receipt time).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

const secrets = new Map<string, Webhook>();
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
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`));
