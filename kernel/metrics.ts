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

/**
 * One status read per scrape: every series of a scrape describes the same moment (reads within
 * 100 ms share the snapshot), and the status object is built once, not once per metric.
 */
export function scrapeSnapshot<S>(read: () => S): () => S {
  let snapshot: { at: number; status: S } | undefined;
  return () => {
    const now = Date.now();
    if (!snapshot || now - snapshot.at > 100) snapshot = { at: now, status: read() };
    return snapshot.status;
  };
}

const SEVERITY_LEVEL = { warning: 1, minor: 2, major: 3, critical: 4 } as const;

/** What the CAM and the LAM export alike: `<prefix>_info`, active alarms and the event publisher. */
export function commonMetrics(
  r: Registry,
  prefix: 'tandem_cam' | 'tandem_lam',
  version: string,
  s: () => {
    alarms: readonly { name: string; severity: keyof typeof SEVERITY_LEVEL }[];
    events: { published: number; dropped: number; buffered: number; connected: boolean };
    fcaps: {
      snmp: { sent: number; failed: number };
      syslog: { sent: number; failed: number; dropped: number };
    };
  },
): void {
  gaugedFrom(r, `${prefix}_info`, 'Always 1; the labels name the running version', () => [[{ version }, 1]], [
    'version',
  ]);
  gaugedFrom(
    r,
    `${prefix}_alarm_active`,
    'Active alarms: the value is the severity (1 warning, 2 minor, 3 major, 4 critical)',
    () => s().alarms.map((a) => [{ alarm: a.name }, SEVERITY_LEVEL[a.severity]] as const),
    ['alarm'],
  );
  // Events published to NATS (docs/events.md).
  countedFrom(
    r,
    `${prefix}_events_published_total`,
    'Events written to the NATS connection',
    () => s().events.published,
  );
  countedFrom(
    r,
    `${prefix}_events_dropped_total`,
    'Events dropped because the buffer was full while NATS was unreachable',
    () => s().events.dropped,
  );
  gaugedFrom(
    r,
    `${prefix}_events_buffered`,
    'Events waiting for the NATS connection',
    () => s().events.buffered,
  );
  gaugedFrom(
    r,
    `${prefix}_events_connected`,
    '1 while connected to a NATS server (0 also when events are off)',
    () => (s().events.connected ? 1 : 0),
  );
  // Alarms forwarded to the management system (docs/alarms.md, SNMP traps and syslog).
  countedFrom(
    r,
    `${prefix}_alarm_notifications_sent_total`,
    'Alarm changes sent as SNMP traps (one per receiver) or syslog messages',
    () => [
      [{ via: 'snmp' }, s().fcaps.snmp.sent],
      [{ via: 'syslog' }, s().fcaps.syslog.sent],
    ],
    ['via'],
  );
  countedFrom(
    r,
    `${prefix}_alarm_notifications_failed_total`,
    'Alarm changes that could not be sent (a socket error), or dropped from the full syslog buffer',
    () => [
      [{ via: 'snmp' }, s().fcaps.snmp.failed],
      [{ via: 'syslog' }, s().fcaps.syslog.failed + s().fcaps.syslog.dropped],
    ],
    ['via'],
  );
}
