/**
 * Reference OSS collector for the TCP feed (docs/oss.md): listens on a port, appends every record it
 * receives to `<out>/<series>.xml`, keeps its position in `<out>/<series>.position` (fsync'd before it
 * confirms), asks the CAM to RESUME from there on every connection, and counts gaps and duplicates.
 * `confirm: false` makes it a collector that never answers (the CAM then resends a replay window).
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Series } from '../kernel/block.js';
import { writeFileDurably } from '../kernel/durable-fs.js';
import { CamFrameParser, encodeAck, encodeResume } from '../node/delivery/feed-protocol.js';
import { freePort } from './local-process.js';

export interface CollectorStats {
  connections: number;
  records: number;
  duplicates: number;
  gaps: { series: Series; expected: number; got: number }[];
  protocolErrors: string[];
}

export class OssCollector {
  readonly stats: CollectorStats = {
    connections: 0,
    records: 0,
    duplicates: 0,
    gaps: [],
    protocolErrors: [],
  };
  /** Per series, the last record stored (contiguous from 1 unless a gap was recorded). */
  readonly last = new Map<Series, number>();
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  /**
   * The last store of each series: stores of one series run one after another, whichever
   * connection they came from (an old connection may still be storing when its successor starts),
   * and close() waits for them.
   */
  private readonly storing = new Map<Series, Promise<void>>();

  constructor(
    readonly outDir: string,
    private readonly confirm = true,
  ) {
    mkdirSync(outDir, { recursive: true });
    for (const s of ['primary', 'recovery'] as const) {
      const p = this.positionPath(s);
      this.last.set(s, existsSync(p) ? Number(readFileSync(p, 'utf8')) : 0);
    }
  }

  /** A collector on two free loopback ports (tests, benchmarks), as the CAM's primary and recovery ports. */
  static async onFreePorts(
    outDir: string,
    confirm = true,
  ): Promise<{ collector: OssCollector; ports: { primary: number; recovery: number } }> {
    const collector = new OssCollector(outDir, confirm);
    const ports = { primary: await freePort(), recovery: await freePort() };
    await collector.listen('127.0.0.1', ports.primary);
    await collector.listen('127.0.0.1', ports.recovery);
    return { collector, ports };
  }

  async listen(host: string, port: number): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.servers.push(server);
    return (server.address() as { port: number }).port;
  }

  /** Drops every connection (the CAM must reconnect and continue without a gap). */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  get connected(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    this.dropConnections();
    await Promise.all(
      this.servers.splice(0).map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))),
    );
    await Promise.all(this.storing.values());
  }

  /** Runs `store` after every earlier store of the series; a failure is recorded, never thrown away. */
  private serially(series: Series, store: () => Promise<void>): Promise<void> {
    const next = (this.storing.get(series) ?? Promise.resolve()).then(store).catch((err: Error) => {
      this.stats.protocolErrors.push(`storing ${series}: ${err.message}`);
    });
    this.storing.set(series, next);
    return next;
  }

  private accept(socket: Socket): void {
    this.stats.connections++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const parser = new CamFrameParser();
    let series: Series | undefined;
    // Records parsed but not yet stored; one flusher stores them all at once (one fsync per batch).
    const pending: string[] = [];
    let flushing = false;
    const flush = async () => {
      if (flushing || !series) return;
      flushing = true;
      const s = series;
      await this.serially(s, async () => {
        while (pending.length > 0) {
          const batch = pending.splice(0);
          const through = this.last.get(s)!;
          const fd = openSync(join(this.outDir, `${s}.xml`), 'a');
          try {
            appendFileSync(fd, `${batch.join('\n')}\n`);
            fsyncSync(fd);
          } finally {
            closeSync(fd);
          }
          // Store, then confirm: a confirmed record is on this collector's disk.
          await writeFileDurably(this.positionPath(s), String(through));
          if (this.confirm && !socket.destroyed) socket.write(encodeAck(through));
        }
      });
      flushing = false;
    };
    socket.on('data', (chunk: Buffer) => {
      let frames: ReturnType<CamFrameParser['push']>;
      try {
        frames = parser.push(chunk);
      } catch (err) {
        this.stats.protocolErrors.push((err as Error).message);
        socket.destroy();
        return;
      }
      const out: string[] = [];
      for (const f of frames) {
        if (f.kind === 'hello') {
          series = f.series;
          if (this.confirm) socket.write(encodeResume(this.last.get(series)! + 1));
        } else if (f.kind === 'record' && series) {
          const last = this.last.get(series)!;
          if (f.seq <= last) {
            this.stats.duplicates++;
            continue;
          }
          if (f.seq !== last + 1) this.stats.gaps.push({ series, expected: last + 1, got: f.seq });
          out.push(f.xml);
          this.last.set(series, f.seq);
          this.stats.records++;
        }
      }
      if (out.length > 0) {
        pending.push(...out);
        void flush();
      }
    });
  }

  private positionPath(series: Series): string {
    return join(this.outDir, `${series}.position`);
  }
}
