// The lean per-request metrics are exposed exactly as prom-client exposes its own counters and histograms.
import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LeanCounter, LeanHistogram } from '../../src/metrics/lean.js';

const buckets = [0.005, 0.01, 0.1, 1, 10];
const observations: Array<[string, string, number]> = [
  ['graphql', '2xx', 0.003],
  ['graphql', '2xx', 0.2],
  ['path_proxy', '5xx', 40],
  ['path_proxy', '4xx', 0.01],
  ['we"ird\\name\n', '2xx', 1],
];

describe('lean metrics', () => {
  it("expose a histogram's buckets, sum and count as prom-client does", async () => {
    const [lean, reference] = [new client.Registry(), new client.Registry()];
    const config = { name: 'test_duration_seconds', help: 'Durations.', labelNames: ['route', 'status_class'] as const, buckets };
    const leanHistogram = new LeanHistogram({ ...config, registers: [lean] });
    const histogram = new client.Histogram({ ...config, registers: [reference] });
    for (const [route, statusClass, seconds] of observations) {
      leanHistogram.labels(route, statusClass).observe(seconds);
      histogram.labels({ route, status_class: statusClass }).observe(seconds);
    }
    expect(await lean.metrics()).toBe(await reference.metrics());
  });

  it('expose a counter as prom-client does, and nothing but its help before the first count', async () => {
    const [lean, reference] = [new client.Registry(), new client.Registry()];
    const config = { name: 'test_total', help: 'Counts.', labelNames: ['kind', 'outcome'] as const };
    const leanCounter = new LeanCounter({ ...config, registers: [lean] });
    const counter = new client.Counter({ ...config, registers: [reference] });
    expect(await lean.metrics()).toBe(await reference.metrics());
    for (const [kind, outcome] of observations) {
      leanCounter.labels(kind, outcome).inc();
      counter.labels({ kind, outcome }).inc();
    }
    leanCounter.labels('graphql', '2xx').inc(5);
    counter.labels({ kind: 'graphql', outcome: '2xx' }).inc(5);
    expect(await lean.metrics()).toBe(await reference.metrics());
  });
});
