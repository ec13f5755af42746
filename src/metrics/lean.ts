// Counters and histograms for the per-request metrics (HTTP requests, proxied calls, operations),
// where prom-client's own inc/observe would convert, validate and hash the labels on every call. A
// child (one set of label values, looked up once and kept) adds to plain numbers; the exposition is
// computed when /metrics is scraped, in prom-client's format (the registry formats it as its own).
import type client from 'prom-client';

interface MetricConfig<Label extends string> {
  name: string;
  help: string;
  labelNames: readonly Label[];
  registers: client.Registry[];
}

type Values = Array<{ labels: Record<string, string | number>; sharedLabels?: Record<string, string>; value: number; metricName?: string }>;

/** A metric object as prom-client's registry reads it (get(), reset()). */
abstract class LeanMetric<Label extends string, Child> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum' as const;
  abstract readonly type: 'counter' | 'histogram';
  protected readonly labelNames: readonly Label[];
  /** Every child with its label values, in the order they were created (the exposition's). */
  protected children: Array<{ labels: Record<Label, string>; child: Child }> = [];

  constructor(config: MetricConfig<Label>) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
    for (const registry of config.registers) registry.registerMetric(this as unknown as client.Metric);
  }

  protected abstract create(): Child;

  /**
   * The children by their first label value, then the others: the hot path looks up the strings it
   * was given (their hashes kept), where one key joined per call would be a new string to hash.
   */
  private readonly byValues = new Map<string, Map<string, Child>>();

  /** The child for these label values (in labelNames' order), created on first use. */
  labels(...values: string[]): Child {
    const first = values[0] ?? '';
    const rest = values.length <= 2 ? (values[1] ?? '') : values.slice(1).join('\u0000');
    let others = this.byValues.get(first);
    const found = others?.get(rest);
    if (found) return found;
    const labels = Object.fromEntries(this.labelNames.map((name, index) => [name, values[index] ?? ''])) as Record<Label, string>;
    const entry = { labels, child: this.create() };
    this.children.push(entry);
    if (!others) this.byValues.set(first, (others = new Map()));
    others.set(rest, entry.child);
    return entry.child;
  }

  reset(): void {
    this.children = [];
    this.byValues.clear();
  }

  abstract get(): Promise<{ name: string; help: string; type: string; values: Values; aggregator: 'sum' }>;
}

interface CounterChild {
  value: number;
  inc(by?: number): void;
}

export class LeanCounter<Label extends string> extends LeanMetric<Label, CounterChild> {
  readonly type = 'counter' as const;

  protected create(): CounterChild {
    return {
      value: 0,
      inc(by = 1) {
        this.value += by;
      },
    };
  }

  async get() {
    const values: Values = this.children.map(({ labels, child }) => ({ labels, value: child.value }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

interface HistogramChild {
  observe(value: number): void;
}

export class LeanHistogram<Label extends string> extends LeanMetric<Label, HistogramChild & { counts: number[]; sum: number; count: number }> {
  readonly type = 'histogram' as const;
  private readonly buckets: readonly number[];

  constructor(config: MetricConfig<Label> & { buckets: readonly number[] }) {
    super(config);
    this.buckets = [...config.buckets].sort((a, b) => a - b);
  }

  protected create() {
    const buckets = this.buckets;
    return {
      counts: new Array<number>(buckets.length).fill(0),
      sum: 0,
      count: 0,
      observe(value: number) {
        if (!Number.isFinite(value)) return;
        this.sum += value;
        this.count += 1;
        for (let index = 0; index < buckets.length; index++) {
          if (value <= buckets[index]!) {
            this.counts[index]! += 1;
            break;
          }
        }
      },
    };
  }

  /** As prom-client exposes a histogram: cumulative buckets (`le` first), +Inf, _sum and _count. */
  async get() {
    const values: Values = [];
    for (const { labels, child } of this.children) {
      let cumulative = 0;
      this.buckets.forEach((bound, index) => {
        cumulative += child.counts[index]!;
        values.push({ labels: { le: bound }, sharedLabels: labels, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: labels, value: child.count, metricName: `${this.name}_bucket` },
        { labels: {}, sharedLabels: labels, value: child.sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: labels, value: child.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}
