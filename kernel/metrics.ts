/**
 * Operational measurements as Prometheus metrics (docs/metrics.md): one registry per process,
 * labelled with the process's component, with Node's process metrics. The CAM's and the LAM's own
 * metrics are defined next to what they measure (node/metrics.ts, lam/metrics.ts); this module
 * holds only what both use.
 *
 * Counters kept by the parts themselves (e.g. the group committer's stats) are exported at scrape
 * time from those objects, so each count has one home; only histograms are observed on the hot path.
 */
import { type CollectFunction, Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export type { Registry } from 'prom-client';

const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** A registry for one process: its default labels (e.g. `node`, `lam`) and Node's process metrics. */
export function processRegistry(defaultLabels: Record<string, string>): Registry {
  const registry = new Registry();
  registry.setDefaultLabels(defaultLabels);
  collectDefaultMetrics({ register: registry });
  // prom-client also exports these gauges under a `_total` name, which promtool (rightly) rejects
  // for a non-counter; the same values stay available without the suffix (nodejs_active_handles …).
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  return registry;
}

/** Latency buckets (seconds) from 1 ms to 30 s: acks, commits, renders. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Size buckets (powers of two up to 1024): blocks per batch, RUs per block. */
export const SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

type Labels<L extends string> = Partial<Record<L, string | number>>;

/**
 * A counter whose value lives elsewhere (a stats object): read at every scrape. Each read must be
 * monotonic for as long as the process runs, as a Prometheus counter is.
 */
export function countedFrom<L extends string = never>(
  registry: Registry,
  name: string,
  help: string,
  read: () => number | readonly (readonly [Labels<L>, number])[],
  labelNames: readonly L[] = [],
): Counter<L> {
  const collect: CollectFunction<Counter<L>> = function (this: Counter<L>) {
    this.reset();
    const v = read();
    if (typeof v === 'number') this.inc(v);
    else for (const [labels, n] of v) this.inc(labels, n);
  };
  return new Counter<L>({ name, help, labelNames, registers: [registry], collect });
}

/** A gauge read at every scrape: one value, or one per label set (labels absent now are dropped). */
export function gaugedFrom<L extends string = never>(
  registry: Registry,
  name: string,
  help: string,
  read: () => number | readonly (readonly [Labels<L>, number])[],
  labelNames: readonly L[] = [],
): Gauge<L> {
  const collect: CollectFunction<Gauge<L>> = function (this: Gauge<L>) {
    this.reset();
    const v = read();
    if (typeof v === 'number') this.set(v);
    else for (const [labels, n] of v) this.set(labels, n);
  };
  return new Gauge<L>({ name, help, labelNames, registers: [registry], collect });
}

/** The text exposition of a registry, with its content type. */
export async function exposition(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
