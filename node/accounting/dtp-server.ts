/**
 * The CAM side of the DTP: two gRPC listeners (primary and recovery port) on the logical IP.
 * Each call is one LAM stream: Hello → Welcome, then Block → Ack once the block is durable.
 * Any protocol or validation problem ends only that call, with an Error frame naming the cause.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { BlockRecord, Series } from '../../kernel/block.js';
import {
  type CamFrame,
  type DecodedLamFrame,
  DTP_PROTOCOL_VERSION,
  dataTransportServiceForServer,
  type LamFrame,
  type WireError,
} from '../../proto/dtp.js';
import { isUnavailable } from '../replication/database.js';
import { describeDbError } from '../replication/db-errors.js';
import { checkBlock, checkHello, MAX_RUS_PER_BLOCK, type Session } from './dtp-validation.js';
import { BlockRejectedError, SequenceConflictError } from './ingest.js';
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
      server.bindAsync(`${this.opts.host}:${port}`, grpc.ServerCredentials.createInsecure(), (err) => {
        if (!err) return resolve();
        server.forceShutdown();
        reject(new Error(`cannot listen on ${this.opts.host}:${port} (${stream} port): ${err.message}`));
      });
    });
    this.servers.push(server);
    this.opts.log.info({ stream, host: this.opts.host, port }, 'DTP listener up');
  }

  private handle(call: Call, portStream: Series): void {
    const log = this.opts.log.child({ peer: call.getPeer(), port: portStream });
    let session: Session | undefined;
    let info: StreamInfo | undefined;
    let closed = false;
    let halfClosed = false;
    let helloPending = false;
    let inFlight = 0;
    /** Blocks that arrived while the Hello was being checked (a LAM may pipeline them). */
    const early: (DecodedLamFrame & { frame: 'block' })[] = [];

    const finish = () => {
      if (closed) return;
      closed = true;
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
      if (closed || call.cancelled || call.destroyed) return;
      call.write(frame);
    };
    const close = (error: WireError) => {
      if (closed) return;
      this.counters.errorsSent[error.code] = (this.counters.errorsSent[error.code] ?? 0) + 1;
      log.warn(
        { lam: session?.lamId, code: error.code, field: error.field, reason: error.message },
        'closing DTP stream',
      );
      send({ frame: 'error', error });
      finish();
    };
    this.closers.set(call, close);

    const helloTimer = setTimeout(
      () =>
        close({
          code: 'ERROR_CODE_PROTOCOL_VIOLATION',
          message: `no Hello within ${this.opts.helloTimeoutMs} ms`,
        }),
      this.opts.helloTimeoutMs,
    );

    const onHello = async (frame: DecodedLamFrame & { frame: 'hello' }) => {
      helloPending = true;
      const checked = checkHello(frame.hello, portStream);
      if (!checked.ok) {
        this.counters.streamsRejected++;
        return close(checked.error);
      }
      const refusal = this.opts.refusal();
      if (refusal) {
        this.counters.streamsRejected++;
        return close({ code: 'ERROR_CODE_NOT_ACCEPTING', message: refusal });
      }
      if (this.opts.isKnownLam) {
        let known: boolean;
        try {
          known = await this.opts.isKnownLam(checked.value.lamId);
        } catch (err) {
          return close({
            code: 'ERROR_CODE_NOT_ACCEPTING',
            message: `cannot check provisioning: ${(err as Error).message}`,
          });
        }
        if (!known) {
          this.counters.streamsRejected++;
          return close({
            code: 'ERROR_CODE_UNKNOWN_LAM',
            message: `LAM ${JSON.stringify(checked.value.lamId)} is not provisioned on this CAM`,
            field: 'lam_id',
          });
        }
      }
      let highest: number;
      try {
        highest = await this.opts.highestStoredSeq(checked.value.lamId);
      } catch (err) {
        return close({
          code: 'ERROR_CODE_NOT_ACCEPTING',
          message: `cannot read this LAM's highest stored block: ${describeDbError(err)}`,
        });
      }
      if (closed) return;
      clearTimeout(helloTimer);
      session = checked.value;
      info = {
        lamId: session.lamId,
        stream: session.stream,
        peer: call.getPeer(),
        softwareVersion: session.softwareVersion,
        since: new Date().toISOString(),
        blocksAcked: 0,
        inFlight: 0,
      };
      this.streams.set(call, info);
      this.counters.streamsOpened++;
      log.info(
        { lam: session.lamId, version: session.softwareVersion, instance: session.lamInstance, highest },
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
          highest_stored_seq: highest,
        },
      });
      for (const b of early.splice(0)) if (!closed) onBlock(b);
      if (halfClosed && inFlight === 0) finish();
    };

    const onBlock = (frame: DecodedLamFrame & { frame: 'block' }) => {
      if (!session && helloPending) {
        if (early.length >= this.opts.window)
          return close({
            code: 'ERROR_CODE_WINDOW_EXCEEDED',
            message: `more than ${this.opts.window} blocks before the Welcome; wait for it`,
            block_seq: frame.block.block_seq ?? 0,
          });
        early.push(frame);
        return;
      }
      if (!session || !info) {
        return close({
          code: 'ERROR_CODE_PROTOCOL_VIOLATION',
          message: 'Block before the Welcome; send Hello first',
        });
      }
      this.counters.blocksReceived++;
      if (inFlight >= this.opts.window) {
        return close({
          code: 'ERROR_CODE_WINDOW_EXCEEDED',
          message: `more than ${this.opts.window} blocks in flight; wait for acks`,
          block_seq: frame.block.block_seq ?? 0,
        });
      }
      const checked = checkBlock(frame.block, session, { maxRusPerBlock: MAX_RUS_PER_BLOCK });
      if (!checked.ok) return close(checked.error);
      const refusal = this.opts.refusal();
      if (refusal) return close({ code: 'ERROR_CODE_NOT_ACCEPTING', message: refusal });
      const streamInfo = info;
      inFlight++;
      streamInfo.inFlight = inFlight;
      this.opts.store(checked.value).then(
        (outcome) => {
          inFlight--;
          streamInfo.inFlight = inFlight;
          streamInfo.blocksAcked++;
          this.counters.blocksAcked++;
          send({
            frame: 'ack',
            ack: {
              block_seq: checked.value.blockSeq,
              status: outcome === 'stored' ? 'ACK_STATUS_STORED' : 'ACK_STATUS_DUPLICATE',
            },
          });
          if (halfClosed && inFlight === 0) finish();
        },
        (err: unknown) => {
          inFlight--;
          close(storeFailure(checked.value.blockSeq, err));
        },
      );
    };

    call.on('data', (frame: LamFrame) => {
      if (closed) return;
      if ('undecodable' in frame) {
        return close({
          code:
            frame.undecodable === 'oversized' ? 'ERROR_CODE_OVERSIZED_BLOCK' : 'ERROR_CODE_MALFORMED_FRAME',
          message:
            frame.undecodable === 'oversized' ? frame.detail : `frame does not decode: ${frame.detail}`,
          block_seq: frame.blockSeq,
        });
      }
      if (frame.frame === 'hello') {
        if (helloPending)
          return close({ code: 'ERROR_CODE_PROTOCOL_VIOLATION', message: 'second Hello on one stream' });
        void onHello(frame);
        return;
      }
      if (frame.frame === 'block') return onBlock(frame);
      return close({ code: 'ERROR_CODE_MALFORMED_FRAME', message: 'frame carries neither hello nor block' });
    });
    call.on('end', () => {
      halfClosed = true;
      // While the Hello is being checked, its Welcome and any early blocks are still to come.
      if (inFlight === 0 && !(helloPending && !session)) finish();
    });
    call.on('cancelled', finish);
    call.on('error', (err) => {
      log.debug({ err: err.message }, 'DTP stream error');
      finish();
    });
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
