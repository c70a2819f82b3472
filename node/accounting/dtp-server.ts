/**
 * The CAM side of the DTP: two gRPC listeners (primary and recovery port) on the logical IP.
 * Each call is one LAM stream: Hello → Welcome, then Block → Ack once the block is durable.
 * Any protocol or validation problem ends only that call, with an Error frame naming the cause.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { BlockRecord, Series } from '../../kernel/block.js';
import type { TlsConfig } from '../../kernel/tls/config.js';
import { serverCredentials } from '../../kernel/tls/credentials.js';
import {
  type CamFrame,
  DTP_PROTOCOL_VERSION,
  dataTransportServiceForServer,
  type LamFrame,
  type WireError,
} from '../../proto/dtp.js';
import type { NodeObserver } from '../metrics/observer.js';
import { isUnavailable } from '../replication/database.js';
import { describeDbError } from '../replication/db-errors.js';
import { DtpSession, type SessionAction, type SessionEvent } from './dtp-session.js';
import { MAX_RUS_PER_BLOCK, type Session } from './dtp-validation.js';
import { BlockRejectedError, SequenceConflictError } from './ingest.js';
import type { LamAuthentication } from './lam-auth.js';
import type { AckOutcome } from './ledger.js';

export interface DtpServerOptions {
  nodeId: string;
  host: string;
  primaryPort: number;
  recoveryPort: number;
  window: number;
  maxBlockBytes: number;
  helloTimeoutMs: number;
  /** undefined while this node may accept blocks; otherwise the reason it may not. */
  refusal: () => string | undefined;
  /** undefined: every LAM id is accepted. */
  isKnownLam?: (lamId: string) => Promise<boolean>;
  store: (block: BlockRecord) => Promise<AckOutcome>;
  /** The highest block_seq stored for a LAM, told to it in the Welcome (a reset LAM moves past it). */
  highestStoredSeq: (lamId: string) => Promise<number>;
  /** Ack latencies (metrics). */
  observer?: Pick<NodeObserver, 'blockAcked'>;
  /** Mutual TLS: the listeners' credentials, and who may send as which LAM. */
  tls: TlsConfig;
  auth: LamAuthentication;
  log: Logger;
}

export interface StreamInfo {
  lamId: string;
  stream: Series;
  peer: string;
  softwareVersion: string;
  since: string;
  blocksAcked: number;
  inFlight: number;
}

type Call = grpc.ServerDuplexStream<LamFrame, CamFrame>;

export interface DtpCounters {
  streamsOpened: number;
  streamsRejected: number;
  blocksReceived: number;
  blocksAcked: number;
  errorsSent: Record<string, number>;
}

export class DtpServer {
  private readonly servers: grpc.Server[] = [];
  private readonly streams = new Map<Call, StreamInfo>();
  private readonly closers = new Map<Call, (error: WireError) => void>();
  readonly counters: DtpCounters = {
    streamsOpened: 0,
    streamsRejected: 0,
    blocksReceived: 0,
    blocksAcked: 0,
    errorsSent: {},
  };

  constructor(private readonly opts: DtpServerOptions) {}

  /** Opens both listeners, or neither: a failure closes the one already open. */
  async start(): Promise<void> {
    if (this.servers.length > 0) return;
    try {
      await this.listen('primary', this.opts.primaryPort);
      await this.listen('recovery', this.opts.recoveryPort);
    } catch (err) {
      for (const s of this.servers.splice(0)) s.forceShutdown();
      throw err;
    }
  }

  /** Ends every open stream with NOT_ACCEPTING (e.g. the node lost its database quorum). */
  closeAllStreams(reason: string): void {
    for (const close of [...this.closers.values()])
      close({ code: 'ERROR_CODE_NOT_ACCEPTING', message: reason });
  }

  listStreams(): StreamInfo[] {
    return [...this.streams.values()];
  }

  async stop(): Promise<void> {
    this.closeAllStreams('CAM is shutting down');
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              s.forceShutdown();
              resolve();
            }, 2000);
            s.tryShutdown(() => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
    this.servers.length = 0;
  }

  private async listen(stream: Series, port: number): Promise<void> {
    // gRPC's own limit is a backstop well above ours, so that frames in between get a typed error.
    const hardLimit = this.opts.maxBlockBytes * 4 + 64 * 1024;
    const server = new grpc.Server({
      'grpc.max_receive_message_length': hardLimit,
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 1_000,
    });
    server.addService(
      dataTransportServiceForServer({
        maxFrameBytes: this.opts.maxBlockBytes,
        maxRusPerBlock: MAX_RUS_PER_BLOCK,
      }),
      {
        Transfer: (call: Call) => this.handle(call, stream),
      },
    );
    await new Promise<void>((resolve, reject) => {
      server.bindAsync(`${this.opts.host}:${port}`, serverCredentials(this.opts.tls), (err) => {
        if (!err) return resolve();
        server.forceShutdown();
        reject(new Error(`cannot listen on ${this.opts.host}:${port} (${stream} port): ${err.message}`));
      });
    });
    this.servers.push(server);
    this.opts.log.info({ stream, host: this.opts.host, port, tls: this.opts.tls.enabled }, 'DTP listener up');
  }

  /** One call: gRPC events into the session (dtp-session.ts), its actions onto the wire. */
  private handle(call: Call, port: Series): void {
    const log = this.opts.log.child({ peer: call.getPeer(), port });
    const session = new DtpSession(port, {
      window: this.opts.window,
      maxRusPerBlock: MAX_RUS_PER_BLOCK,
      helloTimeoutMs: this.opts.helloTimeoutMs,
    });
    let info: StreamInfo | undefined;
    let ended = false;

    const end = () => {
      if (ended) return;
      ended = true;
      clearTimeout(helloTimer);
      this.streams.delete(call);
      this.closers.delete(call);
      try {
        call.end();
      } catch {
        // already gone
      }
    };
    const send = (frame: CamFrame) => {
      if (ended || call.cancelled || call.destroyed) return;
      call.write(frame);
    };
    const run = (e: SessionEvent) => {
      for (const a of session.handle(e)) act(a);
    };
    const act = (a: SessionAction) => {
      switch (a.kind) {
        case 'check-hello':
          void this.checkHello(a.session, call).then(run);
          return;
        case 'welcome':
          clearTimeout(helloTimer);
          info = {
            lamId: a.session.lamId,
            stream: a.session.stream,
            peer: call.getPeer(),
            softwareVersion: a.session.softwareVersion,
            since: new Date().toISOString(),
            blocksAcked: 0,
            inFlight: 0,
          };
          this.streams.set(call, info);
          this.counters.streamsOpened++;
          log.info(
            {
              lam: a.session.lamId,
              version: a.session.softwareVersion,
              instance: a.session.lamInstance,
              highest: a.highestStoredSeq,
            },
            'DTP stream open',
          );
          send({
            frame: 'welcome',
            welcome: {
              protocol_version: DTP_PROTOCOL_VERSION,
              cam_node_id: this.opts.nodeId,
              window: this.opts.window,
              max_rus_per_block: MAX_RUS_PER_BLOCK,
              max_block_bytes: this.opts.maxBlockBytes,
              highest_stored_seq: a.highestStoredSeq,
            },
          });
          return;
        case 'store': {
          this.counters.blocksReceived++;
          if (info) info.inFlight = session.blocksInFlight;
          const receivedAt = performance.now();
          this.opts.store(a.block).then(
            (outcome) => {
              this.opts.observer?.blockAcked(port, (performance.now() - receivedAt) / 1000);
              run({ kind: 'stored', blockSeq: a.block.blockSeq, outcome });
            },
            (err: unknown) => run({ kind: 'store-failed', error: storeFailure(a.block.blockSeq, err) }),
          );
          return;
        }
        case 'ack':
          if (info) {
            info.inFlight = session.blocksInFlight;
            info.blocksAcked++;
          }
          this.counters.blocksAcked++;
          send({
            frame: 'ack',
            ack: {
              block_seq: a.blockSeq,
              status: a.outcome === 'stored' ? 'ACK_STATUS_STORED' : 'ACK_STATUS_DUPLICATE',
            },
          });
          return;
        case 'close': {
          const error = a.error;
          if (a.rejectedHello) this.counters.streamsRejected++;
          this.counters.errorsSent[error.code] = (this.counters.errorsSent[error.code] ?? 0) + 1;
          log.warn(
            { lam: session.lamId, code: error.code, field: error.field, reason: error.message },
            'closing DTP stream',
          );
          send({ frame: 'error', error });
          end();
          return;
        }
        case 'finish':
          end();
          return;
      }
    };
    // From outside (database lost, shutdown): the call ends with this error whatever its state.
    this.closers.set(call, (error) => {
      if (ended) return;
      act({ kind: 'close', error, rejectedHello: false });
    });
    const helloTimer = setTimeout(() => run({ kind: 'hello-timeout' }), this.opts.helloTimeoutMs);

    call.on('data', (frame: LamFrame) => {
      if (!ended) run({ kind: 'frame', frame, refusal: this.opts.refusal() });
    });
    call.on('end', () => run({ kind: 'half-close' }));
    call.on('cancelled', end);
    call.on('error', (err) => {
      log.debug({ err: err.message }, 'DTP stream error');
      end();
    });
  }

  /** The node's checks of a Hello that passed the pure ones: refusal, provisioning, highest block. */
  private async checkHello(session: Session, call: Call): Promise<SessionEvent> {
    const refusal = this.opts.refusal();
    // Who is calling comes first: nothing is told to a LAM that is not the one it claims to be.
    const unauthenticated = this.opts.auth.check(call, session.lamId);
    if (unauthenticated) return { kind: 'hello-checked', error: unauthenticated, refusal };
    if (refusal)
      return {
        kind: 'hello-checked',
        error: { code: 'ERROR_CODE_NOT_ACCEPTING', message: refusal },
        refusal,
      };
    if (this.opts.isKnownLam) {
      let known: boolean;
      try {
        known = await this.opts.isKnownLam(session.lamId);
      } catch (err) {
        return {
          kind: 'hello-checked',
          error: {
            code: 'ERROR_CODE_NOT_ACCEPTING',
            message: `cannot check provisioning: ${(err as Error).message}`,
          },
          refusal,
        };
      }
      if (!known)
        return {
          kind: 'hello-checked',
          error: {
            code: 'ERROR_CODE_UNKNOWN_LAM',
            message: `LAM ${JSON.stringify(session.lamId)} is not provisioned on this CAM`,
            field: 'lam_id',
          },
          refusal,
        };
    }
    try {
      const highestStoredSeq = await this.opts.highestStoredSeq(session.lamId);
      return { kind: 'hello-checked', highestStoredSeq, refusal: this.opts.refusal() };
    } catch (err) {
      return {
        kind: 'hello-checked',
        error: {
          code: 'ERROR_CODE_NOT_ACCEPTING',
          message: `cannot read this LAM's highest stored block: ${describeDbError(err)}`,
        },
        refusal,
      };
    }
  }
}

/** The typed Error for a block that could not be stored; never the SQL statement or its values. */
export function storeFailure(blockSeq: number, err: unknown): WireError {
  if (err instanceof BlockRejectedError)
    return { code: 'ERROR_CODE_INVALID_BLOCK', message: err.message, block_seq: blockSeq };
  if (err instanceof SequenceConflictError)
    return {
      code: 'ERROR_CODE_SEQUENCE_CONFLICT',
      message: err.message,
      block_seq: blockSeq,
      field: 'block_seq',
    };
  if (isUnavailable(err))
    return {
      code: 'ERROR_CODE_NOT_ACCEPTING',
      message: `block ${blockSeq} not stored: ${describeDbError(err)}; resend it later`,
      block_seq: blockSeq,
    };
  return {
    code: 'ERROR_CODE_INTERNAL',
    message: `block ${blockSeq} not stored: ${describeDbError(err)}; resend it`,
    block_seq: blockSeq,
  };
}
