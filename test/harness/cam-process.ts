/** A CAM node as a real child process (`tandem node`), for kill -9 tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type Daemon, spawnDaemon, stopWithDeadline, waitFor } from '../../node/common/process.js';
import { databaseConfigFor } from './galera.js';

export const CLI = join(import.meta.dirname, '..', '..', 'dist', 'ops', 'cli.js');

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
  member: 'a' | 'b';
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
    p.primaryPort = await freePort();
    p.recoveryPort = await freePort();
    p.adminPort = await freePort();
    const db = databaseConfigFor(opts.member);
    const config = {
      node: {
        id: opts.id,
        dataDir: join(opts.dir, opts.id),
        adminListen: `127.0.0.1:${p.adminPort}`,
        logLevel: 'info',
      },
      cam: { ipAddress: '127.0.0.1', primaryPort: p.primaryPort, recoveryPort: p.recoveryPort },
      database: {
        host: db.host,
        port: db.port,
        user: db.user,
        password: db.password,
        name: db.name,
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
