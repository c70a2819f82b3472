/**
 * The near-real-time TCP feed to the OSS (Table 2: TCP/IP Enabled, address, Primary/Recovery Host
 * Port): one connection per series from the active node, IPDR records as they are placed,
 * framed with their series record numbers (feed-protocol.ts, docs/oss.md). Positions live in the
 * replicated database, so a new active node resumes where the old one stopped.
 */
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Series } from '../../kernel/block.js';
import { sleep } from '../../kernel/process.js';
import { ipdrTime } from '../accounting/ipdr/document.js';
import { renderRecord } from '../accounting/ipdr/record.js';
import type { DeliveryConfig } from '../config/schema.js';
import type { NodeObserver } from '../metrics/observer.js';
import { type ChannelHealth, healthyChannel, onFailure, onSuccess, retryDelayMs } from './backoff.js';
import type { FeedTables } from './delivery-store.js';
import {
  encodeHeartbeat,
  encodeHello,
  encodeRecord,
  LineSplitter,
  parseCollectorLine,
  resumePoint,
} from './feed-protocol.js';

export interface FeedOptions {
  series: Series;
  host: string;
  port: number;
  nodeId: string;
  delivery: DeliveryConfig;
  store: FeedTables;
  /** Records written and their lag (metrics). */
  observer?: Pick<NodeObserver, 'feedWritten'>;
  log: Logger;
}

const SAVE_EVERY_MS = 250;

export class FeedChannel {
  health: ChannelHealth = healthyChannel();
  connected = false;
  /** Last record written to the collector's socket / confirmed by it (this or an earlier node). */
  written = 0;
  confirmed = 0;
  recordsSent = 0;
  backlogRecords: number | null = null;
  private active = false;
  private loop: Promise<void> | undefined;
  private socket: Socket | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly o: FeedOptions) {}

  get target(): string {
    return `${this.o.host}:${this.o.port}`;
  }

  get series(): Series {
    return this.o.series;
  }

  /** Runs the feed while `active`; a node that loses the role closes the connection at once. */
  setActive(active: boolean): void {
    if (active === this.active) return;
    this.active = active;
    if (active) this.loop = this.run();
    else {
      this.socket?.destroy();
      this.wake?.();
    }
  }

  async stop(): Promise<void> {
    this.setActive(false);
    await this.loop;
  }

  /** Backlog for status: records placed but not confirmed (or, without confirmations, not written). */
  async refreshBacklog(): Promise<void> {
    const next = await this.o.store.nextRecordSeq(this.o.series);
    if (!this.active) {
      const p = await this.o.store.feedPosition(this.o.series);
      this.written = p.written;
      this.confirmed = p.confirmed;
    }
    const done = this.confirmed > 0 ? this.confirmed : this.written;
    this.backlogRecords = Math.max(0, next - 1 - done);
  }

  private async run(): Promise<void> {
    while (this.active) {
      try {
        await this.session();
      } catch (err) {
        if (!this.active) break;
        const message = (err as Error).message;
        this.health = onFailure(this.health, message, Date.now());
        const delay = retryDelayMs(
          this.health.failures,
          this.o.delivery.retryInitialMs,
          this.o.delivery.retryMaxMs,
        );
        this.o.log.warn({ series: this.o.series, err: message, retryInMs: delay }, 'TCP feed failed');
        await this.pause(delay);
      } finally {
        this.connected = false;
        this.socket?.destroy();
        this.socket = undefined;
      }
    }
  }

  private async session(): Promise<void> {
    const { series, nodeId, delivery, store } = this.o;
    const socket = await this.open();
    const saved = await store.feedPosition(series);
    this.written = Math.max(this.written, saved.written);
    this.confirmed = Math.max(this.confirmed, saved.confirmed);
    let failure: Error | undefined;
    let requested: number | undefined;
    let gotResume: (() => void) | undefined;
    const splitter = new LineSplitter();
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const line of splitter.push(chunk)) {
          const msg = parseCollectorLine(line);
          if (msg.kind === 'resume') {
            requested = msg.next;
            // The collector has every record below the one it asks for: that is a confirmation
            // too (else an ACK lost with a dropped connection would leave the position behind
            // for good when no new record follows).
            this.confirmed = Math.max(this.confirmed, msg.next - 1);
            gotResume?.();
          } else this.confirmed = Math.max(this.confirmed, msg.seq);
        }
      } catch (err) {
        failure = err as Error;
        socket.destroy();
      }
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', (err) => {
      failure ??= err;
    });

    const proposed = resumePoint({ ...this.position(), replayRecords: delivery.feedReplayRecords });
    await write(socket, encodeHello(series, nodeId, proposed));
    await Promise.race([
      new Promise<void>((r) => {
        gotResume = r;
      }),
      sleep(delivery.feedResumeWaitMs),
      closed,
    ]);
    if (socket.destroyed) throw failure ?? new Error('the collector closed the connection after the hello');
    let next = resumePoint({ requested, ...this.position(), replayRecords: delivery.feedReplayRecords });
    this.connected = true;
    this.o.log.info(
      { series, target: this.target, next, requested: requested ?? null },
      'TCP feed connected',
    );

    let lastWriteAt = Date.now();
    let savedAt = 0;
    while (this.active && !socket.destroyed) {
      const blocks = await store.placedBlocksFrom(series, next, 100);
      // One write per batch (not per record): the socket takes it in one go, back-pressure included.
      const frames: Buffer[] = [];
      let last = next - 1;
      const receivedAt: number[] = []; // per block written (metrics)
      for (const b of blocks) {
        const before = frames.length;
        for (let i = 0; i < b.rus.length; i++) {
          const seq = b.firstRecordSeq + i;
          if (seq < next) continue;
          frames.push(
            encodeRecord(seq, renderRecord(b.rus[i]!, { seqNum: seq, time: ipdrTime(b.receivedAtMs) })),
          );
          last = seq;
        }
        if (frames.length > before) receivedAt.push(b.receivedAtMs);
      }
      const sent = frames.length;
      if (sent > 0) {
        await write(socket, Buffer.concat(frames));
        const writtenAtMs = Date.now();
        for (const ms of receivedAt) this.o.observer?.feedWritten(series, (writtenAtMs - ms) / 1000);
        this.recordsSent += sent;
        this.written = last;
        next = last + 1;
      }
      if (socket.destroyed) break;
      if (this.health.failingSinceMs !== null || this.health.lastSuccessAtMs === null)
        this.health = onSuccess(Date.now()); // the collector took what we had
      if (sent > 0) lastWriteAt = Date.now();
      else if (Date.now() - lastWriteAt >= delivery.feedHeartbeatMs) {
        await write(socket, encodeHeartbeat(next - 1));
        lastWriteAt = Date.now();
      }
      if (Date.now() - savedAt >= SAVE_EVERY_MS) {
        await store.saveFeedPosition(series, this.position(), nodeId);
        savedAt = Date.now();
      }
      if (sent === 0) await this.pause(delivery.intervalMs, closed);
    }
    await store.saveFeedPosition(series, this.position(), nodeId).catch(() => undefined);
    if (this.active) throw failure ?? new Error('the collector closed the connection');
  }

  private position(): { confirmed: number; written: number } {
    return { confirmed: this.confirmed, written: this.written };
  }

  private open(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.o.host, port: this.o.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${this.target} timed out`));
      }, 5000);
      socket.once('connect', () => {
        clearTimeout(timer);
        this.socket = socket;
        resolve(socket);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`connect to ${this.target} failed: ${err.message}`));
      });
    });
  }

  private pause(ms: number, orUntil?: Promise<void>): Promise<void> {
    return Promise.race([
      sleep(ms),
      new Promise<void>((r) => {
        this.wake = r;
      }),
      ...(orUntil ? [orUntil] : []),
    ]);
  }
}

/** Writes and waits for the socket to take the bytes (back-pressure from a slow collector). */
function write(socket: Socket, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return reject(new Error('connection closed'));
    socket.write(data, (err) => (err ? reject(err) : resolve()));
  });
}
