/**
 * A real Prometheus for tests and the demo: Debian's `prometheus` on loopback, scraping the given
 * targets every second into a temporary TSDB. `query()` runs an instant PromQL query through its
 * HTTP API, as an operator's dashboard or alert rule would.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Daemon, spawnDaemon, stopWithDeadline, waitFor } from '../kernel/process.js';

export interface ScrapeJob {
  job: string;
  /** host:port of each target's HTTP listener serving `/metrics`. */
  targets: readonly string[];
  /** Sent as `Authorization: Bearer …` (a LAM's API on TCP requires its agent.apiToken). */
  bearerToken?: string;
}

export interface LocalPrometheusOptions {
  dir: string;
  port: number;
  jobs: readonly ScrapeJob[];
  scrapeIntervalS?: number;
}

/** One sample of an instant query's vector result. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export class LocalPrometheus {
  private daemon: Daemon | undefined;

  constructor(private readonly o: LocalPrometheusOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.o.port}`;
  }

  /** The scrape configuration, in Prometheus's YAML (JSON is YAML). */
  config(): string {
    const interval = `${this.o.scrapeIntervalS ?? 1}s`;
    return JSON.stringify({
      global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
      scrape_configs: this.o.jobs.map((j) => ({
        job_name: j.job,
        static_configs: [{ targets: j.targets }],
        ...(j.bearerToken ? { authorization: { type: 'Bearer', credentials: j.bearerToken } } : {}),
      })),
    });
  }

  async start(): Promise<void> {
    mkdirSync(join(this.o.dir, 'data'), { recursive: true });
    const conf = join(this.o.dir, 'prometheus.yml');
    writeFileSync(conf, this.config());
    this.daemon = spawnDaemon(
      'prometheus',
      'prometheus',
      [
        `--config.file=${conf}`,
        `--storage.tsdb.path=${join(this.o.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.o.port}`,
      ],
      { logFile: join(this.o.dir, 'prometheus.log') },
    );
    const daemon = this.daemon;
    let exited: number | string | undefined;
    void daemon.exited.then((code) => {
      exited = code;
    });
    await waitFor(
      `prometheus on port ${this.o.port} to be ready (log: ${join(this.o.dir, 'prometheus.log')})`,
      async () => {
        if (exited !== undefined) throw new Error(`prometheus exited (${exited})`);
        const res = await fetch(`${this.url}/-/ready`);
        return res.ok ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
  }

  /** Runs an instant query; throws with Prometheus's own error text if it fails. */
  async query(promql: string): Promise<Sample[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success' || !body.data)
      throw new Error(`query ${promql}: ${body.error ?? res.status}`);
    if (body.data.resultType !== 'vector')
      throw new Error(`query ${promql}: a ${body.data.resultType}, not a vector`);
    return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  }

  /** The health of each scrape target, by `job/instance`: `up`, `down` or `unknown`. */
  async targets(): Promise<Record<string, string>> {
    const res = await fetch(`${this.url}/api/v1/targets`);
    const body = (await res.json()) as {
      data: { activeTargets: { labels: { job: string; instance: string }; health: string }[] };
    };
    return Object.fromEntries(
      body.data.activeTargets.map((t) => [`${t.labels.job}/${t.labels.instance}`, t.health]),
    );
  }

  async stop(): Promise<void> {
    const daemon = this.daemon;
    this.daemon = undefined;
    if (daemon) await stopWithDeadline(daemon, 10_000);
  }
}
