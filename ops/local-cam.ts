/**
 * A CAM node as a real child process (`tandem node`) on this host: used by the demo, the
 * benchmarks and the kill -9 tests. Needs the compiled CLI (npm run build).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type Daemon, spawnDaemon, stopWithDeadline, waitFor } from '../node/common/process.js';

/** dist/ops/cli.js, found from both the sources and dist/. */
export const CLI = import.meta.dirname.includes(`${join('dist', 'ops')}`)
  ? join(import.meta.dirname, 'cli.js')
  : join(import.meta.dirname, '..', 'dist', 'ops', 'cli.js');

export interface LocalDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface CamProcessOptions {
  id: string;
  dir: string;
  database: LocalDatabase;
  logLevel?: string;
  /** Fixed ports; free ones are picked when absent. */
  ports?: { primary: number; recovery: number; admin: number };
  extra?: Record<string, Record<string, unknown>>;
}

export class CamProcess {
  daemon: Daemon | undefined;
  readonly configFile: string;
  primaryPort = 0;
  recoveryPort = 0;
  adminPort = 0;

  private constructor(private readonly opts: CamProcessOptions) {
    this.configFile = join(opts.dir, `${opts.id}.yaml`);
  }

  static async create(opts: CamProcessOptions): Promise<CamProcess> {
    const p = new CamProcess(opts);
    mkdirSync(opts.dir, { recursive: true });
    p.primaryPort = opts.ports?.primary ?? (await freePort());
    p.recoveryPort = opts.ports?.recovery ?? (await freePort());
    p.adminPort = opts.ports?.admin ?? (await freePort());
    const db = opts.database;
    const config = {
      node: {
        id: opts.id,
        dataDir: join(opts.dir, opts.id),
        adminListen: `127.0.0.1:${p.adminPort}`,
        logLevel: opts.logLevel ?? 'info',
      },
      cam: { ipAddress: '127.0.0.1', primaryPort: p.primaryPort, recoveryPort: p.recoveryPort },
      database: {
        host: db.host,
        port: db.port,
        user: db.user,
        password: db.password,
        name: db.database,
        callTimeoutMs: 5000,
        healthIntervalMs: 200,
      },
      ...opts.extra,
    };
    writeFileSync(p.configFile, stringify(config));
    return p;
  }

  get primaryTarget(): string {
    return `127.0.0.1:${this.primaryPort}`;
  }
  get recoveryTarget(): string {
    return `127.0.0.1:${this.recoveryPort}`;
  }

  start(): void {
    this.daemon = spawnDaemon(this.opts.id, process.execPath, [CLI, 'node', '--config', this.configFile], {
      logFile: join(this.opts.dir, `${this.opts.id}.log`),
    });
  }

  async status(): Promise<Record<string, unknown>> {
    const res = await fetch(`http://127.0.0.1:${this.adminPort}/status`, {
      signal: AbortSignal.timeout(2000),
    });
    return (await res.json()) as Record<string, unknown>;
  }

  async waitAccepting(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      `${this.opts.id} to accept blocks`,
      async () => ((await this.status()).accepting === true ? true : undefined),
      { timeoutMs, intervalMs: 100 },
    );
  }

  async kill9(): Promise<void> {
    if (!this.daemon) return;
    this.daemon.child.kill('SIGKILL');
    await this.daemon.exited;
    this.daemon = undefined;
  }

  async stop(): Promise<void> {
    if (!this.daemon) return;
    await stopWithDeadline(this.daemon, 10_000);
    this.daemon = undefined;
  }
}
