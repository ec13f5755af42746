// Issue 22, attack 3: the outbound address check runs before any TCP connection or TLS handshake.
// Names (the host's own, `localhost.`, /etc/hosts entries), IP literals in every spelling and IPv6
// forms are checked before a socket exists; what a user reads (the delivery log, the proxy's error)
// says "blocked" or "could not connect", never which kind of port answered.
// Checklist areas: ../shared/security-checklist.md, "HTTP surface" (and "Authorization" for node(id)).
import { execFileSync } from 'node:child_process';
import dns from 'node:dns';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { newId } from '../src/kernel/ids.js';
import { checkedAddresses, createUpstreamAgent } from '../src/net/upstream-agent.js';
import { sendDelivery, type ClaimedDelivery } from '../src/webhooks/send.js';
import { bareHost } from '../src/net/addresses.js';
import { keyring, prisma } from './helpers/database.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, testApp, userHeaders } from './helpers/server.js';

/** A listener on 127.0.0.1 that counts the TCP connections it accepts. */
interface CountingListener {
  port: number;
  accepted: () => number;
  close: () => Promise<void>;
}

function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sb-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function listen(server: net.Server): Promise<CountingListener> {
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = await listen(net.createServer());
  await probe.close();
  return probe.port;
}

/** Whether `name` resolves (through the system resolver, /etc/hosts included) to a loopback address. */
async function resolvesToLoopback(name: string): Promise<boolean> {
  try {
    const addresses = await dns.promises.lookup(name, { all: true });
    return addresses.some(({ address }) => address.startsWith('127.') || address === '::1');
  } catch {
    return false;
  }
}

describe('security hardening: pre-TLS address checks — resolve, check every address, connect to the checked one (issue 22, attack 3)', async () => {
  const tlsListener = await listen(tls.createServer(selfSignedCertificate(), (socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n')));
  // An open plain port that never says anything: a TLS handshake to it waits until the connect timeout.
  const plainListener = await listen(net.createServer(() => undefined));
  const closed = await closedPort();
  afterAll(async () => {
    await tlsListener.close();
    await plainListener.close();
  });
  const accepts = () => tlsListener.accepted() + plainListener.accepted();
  const ownName = os.hostname();
  // A name that /etc/hosts maps to loopback, other than localhost (which is refused by name).
  const hostsFileName =
    readFileSync('/etc/hosts', 'utf8')
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim().split(/\s+/))
      .filter(([address]) => address === '127.0.0.1' || address === '::1')
      .flatMap((fields) => fields.slice(1))
      .find((name) => name && name !== 'localhost' && !name.endsWith('.localhost')) ?? ownName;
  const ports = { 'open TLS': tlsListener.port, 'open plain': plainListener.port, closed };

  const strict = testApp({ providers: { allowLocalProviders: false }, webhooks: { allowPrivate: false } });

  function deliveryTo(url: string): ClaimedDelivery {
    const endpointId = newId();
    return {
      id: newId(),
      endpointId,
      messageId: 'msg_attack3',
      eventType: 'connection.created',
      body: '{}',
      attempts: 1,
      url,
      secretEnc: keyring.encrypt('whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=', { table: 'WebhookEndpoint', rowId: endpointId, field: 'secret' }),
      previousSecretEnc: null,
      previousSecretExpiresAt: null,
    };
  }

  it.each([
    ["this host's own name", ownName],
    ['localhost with a trailing dot', 'localhost.'],
    ['localhost', 'localhost'],
    ['a name from /etc/hosts', hostsFileName],
    ['an IPv4-mapped IPv6 literal', '[::ffff:127.0.0.1]'],
    ['the IPv6 loopback', '[::1]'],
    ['a short IPv4 literal', '127.1'],
    ['a decimal IPv4 literal', '2130706433'],
  ])(
    'a webhook delivery to %s gives the same text on an open TLS, an open plain and a closed port, and no TCP connection reaches the listener',
    async (_what, host) => {
      const before = accepts();
      const errors: Record<string, string | null> = {};
      for (const [kind, port] of Object.entries(ports)) {
        const outcome = await sendDelivery(strict, deliveryTo(`https://${host}:${port}/hook`), { timeoutMs: 2_000 });
        expect(outcome.ok, kind).toBe(false);
        errors[kind] = outcome.error;
      }
      expect(accepts()).toBe(before);
      expect(new Set(Object.values(errors)).size, JSON.stringify(errors)).toBe(1);
      const text = Object.values(errors)[0]!;
      expect(text).toMatch(/^(blocked|could not connect)/);
      // Literals and localhost names are refused as such; other names when they resolve to loopback (here they do).
      if ((host !== ownName && host !== hostsFileName) || (await resolvesToLoopback(bareHost(host)))) expect(text).toMatch(/^blocked/);
    },
  );

  it('refuses a name if any address it resolves to is not public, and resolves it once (the socket gets only checked addresses)', async () => {
    let lookups = 0;
    const mixed = async () => {
      lookups += 1;
      return [
        { address: '93.184.215.14', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ];
    };
    await expect(checkedAddresses('rebind.example', mixed)).rejects.toMatchObject({ code: 'ERR_BLOCKED_ADDRESS' });
    await expect(checkedAddresses('localhost.', mixed)).rejects.toMatchObject({ code: 'ERR_BLOCKED_ADDRESS' });
    expect(lookups).toBe(1);
    const publicOnly = async () => [{ address: '93.184.215.14', family: 4 }];
    expect(await checkedAddresses('Example.COM.', publicOnly)).toEqual([{ address: '93.184.215.14', family: 4 }]);

    // Through an agent: the name resolves to loopback (as a rebinding DNS answer would) and no socket is opened.
    let answers = 0;
    const agent = createUpstreamAgent({
      allowLocal: false,
      connectTimeoutMs: 2_000,
      resolveAll: async () => {
        answers += 1;
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    const before = accepts();
    await expect(agent.request({ origin: `https://api.rebind.example:${tlsListener.port}`, path: '/', method: 'GET' })).rejects.toMatchObject({
      code: 'ERR_BLOCKED_ADDRESS',
    });
    expect(answers).toBe(1);
    expect(accepts()).toBe(before);
    await agent.close();
  });

  it('keeps private webhook targets working when WEBHOOK_ALLOW_PRIVATE is set', async () => {
    const allowed = testApp({ providers: { allowLocalProviders: false }, webhooks: { allowPrivate: true } });
    const before = tlsListener.accepted();
    await sendDelivery(allowed, deliveryTo(`https://localhost:${tlsListener.port}/hook`), { timeoutMs: 2_000 });
    expect(tlsListener.accepted()).toBe(before + 1);
  });

  it('refuses `localhost.` and other trailing-dot local names when a webhook endpoint is created', async () => {
    const server = await startTestServer({ providers: { allowLocalProviders: false }, webhooks: { allowPrivate: false } });
    for (const url of ['https://localhost./x', 'https://localhost../x', 'https://api.localhost./x', 'https://[::ffff:127.0.0.1]/x']) {
      const answer = await graphql(
        server,
        `
          mutation ($input: CreateWebhookEndpointInput!) {
            createWebhookEndpoint(input: $input) {
              __typename
            }
          }
        `,
        { input: { url } },
        adminHeaders,
      );
      expect(answer.data.createWebhookEndpoint.__typename, url).toBe('ValidationError');
    }
  });

  it("a proxied call to this host's own name is blocked before connecting, whatever the port", async () => {
    const server = await startTestServer({ providers: { allowLocalProviders: false } });
    const alice = await userHeaders('alice-attack3');
    const messages: string[] = [];
    const before = accepts();
    for (const port of Object.values(ports)) {
      const slug = uniqueSlug('attack3');
      const created = await graphql(
        server,
        `
          mutation ($input: CreateIntegrationInput!) {
            createIntegration(input: $input) {
              __typename
            }
          }
        `,
        { input: { slug, provider: 'custom', authType: 'API_KEY', apiBaseUrl: `https://${ownName}:${port}/api` } },
        adminHeaders,
      );
      expect(created.data.createIntegration.__typename).toBe('CreateIntegrationPayload');
      await graphql(
        server,
        `
          mutation ($input: CreateConnectionInput!) {
            createConnection(input: $input) {
              __typename
            }
          }
        `,
        { input: { integration: slug, apiKey: 'k' } },
        alice,
      );
      const answer = await graphql(
        server,
        `
          mutation ($input: ProxyRequestInput!) {
            proxyRequest(input: $input) {
              __typename
              ... on Error {
                message
              }
            }
          }
        `,
        { input: { integration: slug, url: 'me' } },
        alice,
      );
      messages.push(answer.data.proxyRequest.message.replace(String(port), 'PORT'));
      await prisma.integration.deleteMany({ where: { slug } });
    }
    expect(accepts()).toBe(before);
    expect(new Set(messages).size, messages.join(' | ')).toBe(1);
    expect(messages[0]).toMatch(/Blocked|Could not connect/);
  });
});
