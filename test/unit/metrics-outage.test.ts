// /metrics during a database outage: the gauges counted from the database keep their last value and
// export its age, and a scrape neither fails nor waits for a database that does not answer.
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/metrics/registry.js';

function gaugeLine(body: string, name: string): string | undefined {
  return body.split('\n').find((line) => line.startsWith(name));
}

describe('metrics counted from the database', () => {
  it('keep their last value with its age when the database fails, and answer within about a second when it hangs', async () => {
    const metrics = createMetrics();
    let mode: 'up' | 'failing' | 'frozen' = 'up';
    let queries = 0;
    metrics.countPendingWebhooksWith(async () => {
      queries++;
      if (mode === 'failing') throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      if (mode === 'frozen') return new Promise<number>(() => {});
      return 7;
    });
    metrics.countConnectionsWith(async () => {
      if (mode === 'failing') throw new Error('Connection terminated unexpectedly');
      if (mode === 'frozen') return new Promise(() => {});
      return [{ integration: 'slack', status: 'HEALTHY', count: 3 }];
    });
    const first = (await metrics.render()).body;
    expect(gaugeLine(first, 'switchboard_webhook_pending ')).toBe('switchboard_webhook_pending 7');
    expect(first).toContain('switchboard_connections{integration="slack",status="HEALTHY"} 3');

    // The cache (15 s) would hide the outage: make the values old.
    const realNow = Date.now;
    let offset = 20_000;
    Date.now = () => realNow() + offset;
    try {
      mode = 'failing';
      const failing = (await metrics.render()).body;
      expect(gaugeLine(failing, 'switchboard_webhook_pending ')).toBe('switchboard_webhook_pending 7');
      expect(failing).toContain('switchboard_connections{integration="slack",status="HEALTHY"} 3');
      const age = Number(gaugeLine(failing, 'switchboard_database_gauge_age_seconds{gauge="webhook_pending"}')?.split(' ')[1]);
      expect(age).toBeGreaterThanOrEqual(20);

      mode = 'frozen';
      offset = 40_000;
      const started = performance.now();
      const frozen = (await metrics.render()).body;
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(gaugeLine(frozen, 'switchboard_webhook_pending ')).toBe('switchboard_webhook_pending 7');
      // A second scrape while the first query still hangs does not send another.
      const before = queries;
      await metrics.render();
      expect(queries).toBe(before);
    } finally {
      Date.now = realNow;
    }
  });
});
