// Signing with the worker's per-endpoint keys: exactly as Standard Webhooks documents, and a changed
// endpoint (a rotated secret, an edited URL) is used at the next attempt, not after some cache time.
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createEndpointTargets, type ClaimedDelivery } from '../src/webhooks/send.js';
import { newSigningSecret, signatureHeader, signingKeyOf } from '../src/webhooks/signing.js';
import { keyring } from './helpers/database.js';

const sealed = (endpointId: string, secret: string, field: 'secret' | 'previousSecret' = 'secret') =>
  keyring.encrypt(secret, { table: 'WebhookEndpoint', rowId: endpointId, field });

function claimed(endpointId: string, secret: string, url = 'https://hooks.example.com/a?x=1'): ClaimedDelivery {
  return {
    id: 'd1',
    endpointId,
    messageId: 'msg_1',
    eventType: 'connection.created',
    body: '{"a":1}',
    attempts: 1,
    url,
    secretEnc: sealed(endpointId, secret),
    previousSecretEnc: null,
    previousSecretExpiresAt: null,
  };
}

describe('webhook signing', () => {
  it("signs the Standard Webhooks specification's example exactly", () => {
    // The example in the Standard Webhooks specification (signature scheme section).
    const header = signatureHeader(
      [signingKeyOf('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')],
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(header).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('keys kept per endpoint sign what the standardwebhooks verifier accepts, attempt after attempt', () => {
    const secret = newSigningSecret();
    const targets = createEndpointTargets(keyring);
    const delivery = claimed('e1', secret);
    const first = targets.targetOf(delivery);
    expect(targets.targetOf({ ...delivery, id: 'd2' })).toBe(first);
    expect(first).toMatchObject({ origin: 'https://hooks.example.com', path: '/a?x=1' });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(first.keys, 'msg_1', timestamp, delivery.body),
    };
    expect(new Webhook(secret).verify(delivery.body, headers)).toEqual({ a: 1 });
  });

  it('a rotated secret signs at the next attempt, beside the previous one during its grace period, and an edited URL is used at once', () => {
    const before = newSigningSecret();
    const after = newSigningSecret();
    const targets = createEndpointTargets(keyring);
    targets.targetOf(claimed('e2', before));
    const rotated = {
      ...claimed('e2', after),
      previousSecretEnc: sealed('e2', before, 'previousSecret'),
      previousSecretExpiresAt: new Date(Date.now() + 60_000),
    };
    const target = targets.targetOf(rotated);
    const timestamp = Math.floor(Date.now() / 1000);
    const header = signatureHeader(target.keys, 'msg_1', timestamp, rotated.body);
    expect(header.split(' ')).toHaveLength(2);
    for (const secret of [after, before]) {
      const verified = new Webhook(secret).verify(rotated.body, { 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': header });
      expect(verified).toEqual({ a: 1 });
    }
    // The grace period over: the previous secret no longer signs, though the columns are the same.
    const expired = targets.targetOf({ ...rotated }, Date.now() + 120_000);
    expect(expired.keys).toHaveLength(1);
    expect(targets.targetOf({ ...claimed('e2', after), url: 'https://hooks.example.com/moved' }).path).toBe('/moved');
  });
});
