/**
 * A real NATS server for tests, the demo and benchmarks: Debian's `nats-server` on loopback with
 * JetStream in a temporary store. It can be stopped and started again on the same port (a NATS
 * outage), its health read from its monitoring port.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Daemon, spawnDaemon, stopWithDeadline, waitFor } from '../kernel/process.js';

export interface LocalNatsOptions {
  dir: string;
  port: number;
  /** HTTP monitoring port (`/healthz`), used to know when the server is ready. */
  monitorPort: number;
}

export class LocalNatsServer {
  private daemon: Daemon | undefined;

  constructor(private readonly o: LocalNatsOptions) {}

  /** host:port for `events.natsServers`. */
  get address(): string {
    return `127.0.0.1:${this.o.port}`;
  }

  async start(): Promise<void> {
    const store = join(this.o.dir, 'jetstream');
    mkdirSync(store, { recursive: true });
    const log = join(this.o.dir, 'nats-server.log');
    const daemon = spawnDaemon(
      'nats-server',
      'nats-server',
      ['-a', '127.0.0.1', '-p', String(this.o.port), '-m', String(this.o.monitorPort), '-js', '-sd', store],
      { logFile: log },
    );
    this.daemon = daemon;
    let exited: number | string | undefined;
    void daemon.exited.then((code) => {
      exited = code;
    });
    await waitFor(
      `nats-server on port ${this.o.port} to be healthy (log: ${log})`,
      async () => {
        if (exited !== undefined) throw new Error(`nats-server exited (${exited})`);
        const res = await fetch(`http://127.0.0.1:${this.o.monitorPort}/healthz`);
        return res.ok ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
  }

  async stop(): Promise<void> {
    const daemon = this.daemon;
    this.daemon = undefined;
    if (daemon) await stopWithDeadline(daemon, 10_000);
  }
}
