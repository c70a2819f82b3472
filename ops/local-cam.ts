/**
 * A CAM node as a real child process (`tandem node`) on this host: used by the demo, the
 * benchmarks and the kill -9 tests. Needs the compiled CLI (npm run build).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { waitFor } from '../kernel/process.js';
import { CLI, CliProcess, freePort } from './local-process.js';

export { CLI, freePort };

export interface LocalDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Connect with TLS (database.tls: the node's own `tls` files). */
  tls?: boolean;
}

export interface CamProcessOptions {
  id: string;
  dir: string;
  database: LocalDatabase;
  logLevel?: string;
  /** Fixed ports; free ones are picked when absent. */
  ports?: { primary: number; recovery: number; admin: number };
  /** The deployment profile (ops/profiles/) the file names; this helper's settings override it. */
  profile?: string;
  /** More configuration: `cam` fields are merged, other sections added. */
  extra?: Record<string, Record<string, unknown>>;
  /** Run in this network namespace, with the admin API on `adminHost` (reachable from here). */
  netns?: string;
  adminHost?: string;
  /** Operators (node.adminTokensFile) and the token this helper calls the admin API with. */
  admin?: { tokensFile: string; token: string };
}

export class CamProcess extends CliProcess {
  readonly configFile: string;
  primaryPort = 0;
  recoveryPort = 0;
  adminPort = 0;

  private constructor(private readonly opts: CamProcessOptions) {
    const configFile = join(opts.dir, `${opts.id}.yaml`);
    super(opts.id, join(opts.dir, `${opts.id}.log`), () => ['node', '--config', configFile], opts.netns);
    this.configFile = configFile;
  }

  static async create(opts: CamProcessOptions): Promise<CamProcess> {
    const p = new CamProcess(opts);
    mkdirSync(opts.dir, { recursive: true });
    p.primaryPort = opts.ports?.primary ?? (await freePort());
    p.recoveryPort = opts.ports?.recovery ?? (await freePort());
    p.adminPort = opts.ports?.admin ?? (await freePort());
    const db = opts.database;
    const config = {
      ...(opts.profile ? { profile: opts.profile } : {}),
      node: {
        id: opts.id,
        dataDir: join(opts.dir, opts.id),
        adminListen: `${opts.adminHost ?? '127.0.0.1'}:${p.adminPort}`,
        logLevel: opts.logLevel ?? 'info',
        ...(opts.admin ? { adminTokensFile: opts.admin.tokensFile } : {}),
      },
      cam: {
        ipAddress: '127.0.0.1',
        primaryPort: p.primaryPort,
        recoveryPort: p.recoveryPort,
        baseFilePath: join(opts.dir, opts.id, 'accounting'),
        // Local runs share this host's disk: alarm only when it is really nearly full.
        diskMonitorMajorThreshold: 90,
        diskMonitorCriticalThreshold: 95,
        ...opts.extra?.cam,
      },
      database: {
        host: db.host,
        port: db.port,
        user: db.user,
        password: db.password,
        name: db.database,
        callTimeoutMs: 5000,
        healthIntervalMs: 200,
        ...(db.tls ? { tls: true } : {}),
      },
      ...Object.fromEntries(Object.entries(opts.extra ?? {}).filter(([k]) => k !== 'cam')),
    };
    writeFileSync(p.configFile, stringify(config));
    return p;
  }

  /** Where LAMs send: cam.ipAddress (the logical IP in a pair). */
  get host(): string {
    return (this.opts.extra?.cam?.ipAddress as string | undefined) ?? '127.0.0.1';
  }
  get primaryTarget(): string {
    return `${this.host}:${this.primaryPort}`;
  }
  get recoveryTarget(): string {
    return `${this.host}:${this.recoveryPort}`;
  }
  get id(): string {
    return this.opts.id;
  }

  /** The node's role in a pair (from /status), or 'down' when it does not answer. */
  async role(): Promise<string> {
    try {
      const s = (await this.status()) as { role?: { role: string } | null };
      return s.role?.role ?? 'single';
    } catch {
      return 'down';
    }
  }

  async waitRole(role: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(
      `${this.opts.id} to be ${role}`,
      async () => ((await this.role()) === role ? true : undefined),
      {
        timeoutMs,
        intervalMs: 50,
      },
    );
  }

  /** Sends an operator command to this node's admin API; returns the HTTP status and body. */
  async command(
    name: string,
    body: unknown = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(
      `http://${this.opts.adminHost ?? '127.0.0.1'}:${this.adminPort}/commands/${name}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.authorization() },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      },
    );
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  async status(): Promise<Record<string, unknown>> {
    const res = await fetch(`http://${this.opts.adminHost ?? '127.0.0.1'}:${this.adminPort}/status`, {
      headers: this.authorization(),
      signal: AbortSignal.timeout(2000),
    });
    return (await res.json()) as Record<string, unknown>;
  }

  /** The admin API's base URL (for tests that call it themselves). */
  get adminUrl(): string {
    return `http://${this.opts.adminHost ?? '127.0.0.1'}:${this.adminPort}`;
  }

  private authorization(): Record<string, string> {
    return this.opts.admin ? { authorization: `Bearer ${this.opts.admin.token}` } : {};
  }

  async waitAccepting(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      `${this.opts.id} to accept blocks`,
      async () => ((await this.status()).accepting === true ? true : undefined),
      { timeoutMs, intervalMs: 100 },
    );
  }
}
