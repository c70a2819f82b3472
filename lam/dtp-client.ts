/**
 * The LAM side of one DTP stream: keeps every block until the CAM acknowledges it, resends
 * unacknowledged blocks after any reconnect, respects the CAM's window, and reconnects with
 * backoff and jitter to whichever node answers at the target (the logical IP). A stream that is
 * open but silent is given up by its watchdog (stream-watchdog.ts).
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import {
  type CamFrame,
  DTP_PROTOCOL_VERSION,
  dataTransportClientConstructor,
  type LamFrame,
  ruToWire,
  type WireError,
  type WireWelcome,
} from '../proto/dtp.js';
import type { RecordingUnit } from '../proto/ru.js';
import { DEFAULT_STREAM_WATCHDOG, type StreamWatchdogLimits, stalledReason } from './stream-watchdog.js';

export interface OutgoingBlock {
  blockSeq: number;
  createdAtMs: number;
  rus: RecordingUnit[];
}

export interface DtpSenderOptions {
  target: string; // host:port
  /** TLS to the CAM (kernel/tls/credentials.ts); default: insecure. */
  credentials?: grpc.ChannelCredentials;
  lamId: string;
  stream: 'primary' | 'recovery';
  softwareVersion?: string;
  /** This LAM's instance (SeqStore.instance), sent in the Hello. */
  lamInstance?: string;
  log: Logger;
  onAck?: (blockSeq: number, status: 'stored' | 'duplicate') => void;
  onError?: (error: WireError) => void;
  /** Called at every Welcome, i.e. when the stream is (again) ready for blocks. */
  onConnect?: (welcome: WireWelcome) => void;
  /** Most blocks this sender puts in flight, even if the CAM's window allows more. */
  maxInFlight?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** When an open but silent stream is given up (default DEFAULT_STREAM_WATCHDOG). */
  watchdog?: StreamWatchdogLimits;
}

type ClientCall = grpc.ClientDuplexStream<LamFrame, CamFrame>;
type DtpClient = grpc.Client & { Transfer: (opts?: grpc.CallOptions) => ClientCall };

function newClient(opts: DtpSenderOptions): DtpClient {
  const Client = dataTransportClientConstructor();
  return new Client(opts.target, opts.credentials ?? grpc.credentials.createInsecure(), {
    'grpc.keepalive_time_ms': 2_000,
    'grpc.keepalive_timeout_ms': 2_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 500,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    // Its own connection, never one shared with another client: closing it must close the socket.
    'grpc.use_local_subchannel_pool': 1,
  }) as unknown as DtpClient;
}

export class DtpSender {
  /** Replaced when a stream stalls: its connection may be the thing that hangs. */
  private client: DtpClient;
  /** Blocks not yet acknowledged, in send order. */
  private readonly unacked = new Map<number, OutgoingBlock>();
  private readonly inFlight = new Set<number>();
  /** Sequence numbers still to be written on the current call (rebuilt at every reconnect). */
  private toSend: number[] = [];
  private toSendHead = 0;
  private call: ClientCall | undefined;
  private window = 0;
  private stopped = false;
  private backoffMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private drainWaiters: (() => void)[] = [];
  /** The current call's Welcome, last Ack, or first block in flight after none were (watchdog). */
  private lastProgressMs = 0;
  /** The current call's Error frame: the reason it ended, rather than the end that follows it. */
  private callError = '';
  private watchdogTimer: NodeJS.Timeout | undefined;
  /** When the calls of this connection began to fail without a Welcome (undefined: welcomed). */
  private failingSinceMs: number | undefined;
  readonly stats = {
    acked: 0,
    duplicates: 0,
    sent: 0,
    resent: 0,
    connects: 0,
    errors: 0,
    /** Streams this sender gave up because the CAM stayed silent. */
    stalls: 0,
    /** Connections given up and opened anew: a silent stream, or no Welcome across failed calls. */
    newConnections: 0,
    /** Why the last stream ended or was refused (the latest, not the first). */
    lastError: '',
  };

  constructor(private readonly opts: DtpSenderOptions) {
    this.client = newClient(opts);
    this.backoffMs = opts.minBackoffMs ?? 100;
  }

  get pending(): number {
    return this.unacked.size;
  }

  get connected(): boolean {
    return this.call !== undefined && this.window > 0;
  }

  start(): void {
    this.failingSinceMs = Date.now();
    this.watchdogTimer = setInterval(() => this.checkProgress(), 500);
    this.watchdogTimer.unref();
    this.connect();
  }

  /** Queues a block; it is kept and resent until acknowledged. */
  send(block: OutgoingBlock): void {
    if (!this.unacked.has(block.blockSeq)) this.toSend.push(block.blockSeq);
    this.unacked.set(block.blockSeq, block);
    this.pump();
  }

  /** Gives up on a block (the CAM rejected it for good); returns it if it was held. */
  forget(blockSeq: number): OutgoingBlock | undefined {
    const block = this.unacked.get(blockSeq);
    this.unacked.delete(blockSeq);
    this.inFlight.delete(blockSeq);
    if (this.unacked.size === 0) for (const w of this.drainWaiters.splice(0)) w();
    return block;
  }

  /** Resolves once every queued block has been acknowledged. */
  drained(): Promise<void> {
    if (this.unacked.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.watchdogTimer);
    this.call?.cancel();
    this.call = undefined;
    this.client.close();
  }

  private connect(): void {
    if (this.stopped) return;
    const call = this.client.Transfer();
    this.call = call;
    this.window = 0;
    this.inFlight.clear();
    this.lastProgressMs = Date.now();
    this.callError = '';
    this.toSend = [...this.unacked.keys()];
    this.toSendHead = 0;
    call.on('data', (frame: CamFrame) => this.onFrame(call, frame));
    call.on('error', (err: grpc.ServiceError) =>
      this.onBroken(call, `stream error: ${err.details || err.message}`),
    );
    call.on('end', () => this.onBroken(call, 'stream ended by the CAM'));
    call.write({
      frame: 'hello',
      hello: {
        protocol_version: DTP_PROTOCOL_VERSION,
        lam_id: this.opts.lamId,
        software_version: this.opts.softwareVersion ?? 'tandem-lam',
        stream: this.opts.stream === 'primary' ? 'STREAM_KIND_PRIMARY' : 'STREAM_KIND_RECOVERY',
        oldest_unacked_seq: this.unacked.keys().next().value ?? 0,
        lam_instance: this.opts.lamInstance ?? '',
      },
    });
  }

  private onFrame(call: ClientCall, frame: CamFrame): void {
    if (call !== this.call) return;
    if (frame.frame === 'welcome') {
      this.lastProgressMs = Date.now();
      this.window = Math.min(frame.welcome.window, this.opts.maxInFlight ?? Number.POSITIVE_INFINITY);
      this.stats.connects++;
      this.failingSinceMs = undefined;
      this.backoffMs = this.opts.minBackoffMs ?? 100;
      this.pump();
      this.opts.onConnect?.(frame.welcome);
    } else if (frame.frame === 'ack') {
      const seq = frame.ack.block_seq;
      this.lastProgressMs = Date.now();
      this.inFlight.delete(seq);
      if (this.unacked.delete(seq)) {
        const status = frame.ack.status === 'ACK_STATUS_DUPLICATE' ? 'duplicate' : 'stored';
        if (status === 'duplicate') this.stats.duplicates++;
        this.stats.acked++;
        this.opts.onAck?.(seq, status);
      }
      if (this.unacked.size === 0) for (const w of this.drainWaiters.splice(0)) w();
      this.pump();
    } else if (frame.frame === 'error') {
      this.stats.errors++;
      this.stats.lastError = `${frame.error.code}: ${frame.error.message}`;
      this.callError = this.stats.lastError;
      this.opts.onError?.(frame.error);
    }
  }

  private onBroken(call: ClientCall, why: string): void {
    if (call !== this.call) return;
    this.call = undefined;
    this.window = 0;
    this.inFlight.clear();
    this.stats.lastError = this.callError || why;
    if (this.stopped) return;
    this.failingSinceMs ??= Date.now();
    // grpc-js keeps failing calls at once with the last connect error ("sticky TRANSIENT_FAILURE")
    // while its next attempt hangs, e.g. a SYN to a logical IP that no server held at that moment:
    // it waits for the kernel's SYN retries (up to ~2 min) and no call ever sees the hang. A fresh
    // connection once no Welcome has come for the watchdog's limit reaches the node there now.
    const limits = this.opts.watchdog ?? DEFAULT_STREAM_WATCHDOG;
    if (Date.now() - this.failingSinceMs > limits.welcomeTimeoutMs) this.renewConnection();
    // Short: after a failover the logical IP answers again within seconds and LAMs must follow.
    const max = this.opts.maxBackoffMs ?? 500;
    const delay = this.backoffMs / 2 + Math.random() * (this.backoffMs / 2);
    this.backoffMs = Math.min(max, this.backoffMs * 2);
    this.opts.log.debug({ reason: why, retryInMs: delay }, 'DTP stream broken; reconnecting');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  /** Gives up the current call if the CAM has been silent on it for too long. */
  private checkProgress(): void {
    const call = this.call;
    if (!call) return;
    const why = stalledReason(
      { welcomed: this.window > 0, inFlight: this.inFlight.size, quietMs: Date.now() - this.lastProgressMs },
      this.opts.watchdog ?? DEFAULT_STREAM_WATCHDOG,
    );
    if (!why) return;
    this.stats.stalls++;
    this.opts.log.warn({ reason: why }, 'DTP stream silent; giving it up with its connection');
    // A new connection too: grpc-js puts no deadline on connecting, so a TCP connection whose server
    // vanished before its HTTP/2 settings (a frozen node, then the address moved) holds every new
    // call of this client for good; nothing is ever sent on it, so no reset ever comes back.
    this.renewConnection();
    this.onBroken(call, why);
    call.cancel();
  }

  /** Closes this client's connection (and any attempt in progress) and opens a new client. */
  private renewConnection(): void {
    this.client.close();
    this.client = newClient(this.opts);
    this.failingSinceMs = Date.now();
    this.stats.newConnections++;
  }

  private pump(): void {
    const call = this.call;
    if (!call || this.window === 0) return;
    if (this.inFlight.size === 0) this.lastProgressMs = Date.now();
    while (this.inFlight.size < this.window && this.toSendHead < this.toSend.length) {
      const seq = this.toSend[this.toSendHead++]!;
      const block = this.unacked.get(seq);
      if (!block || this.inFlight.has(seq)) continue;
      this.inFlight.add(seq);
      this.stats.sent++;
      call.write({
        frame: 'block',
        block: {
          lam_id: this.opts.lamId,
          block_seq: seq,
          created_at_ms: block.createdAtMs,
          rus: block.rus.map(ruToWire),
        },
      });
    }
    if (this.toSendHead > 4096 && this.toSendHead * 2 > this.toSend.length) {
      this.toSend = this.toSend.slice(this.toSendHead);
      this.toSendHead = 0;
    }
  }
}
