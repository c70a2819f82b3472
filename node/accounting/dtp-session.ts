/**
 * One DTP stream as a pure state machine (table-tested in test/unit/dtp-session.test.ts): what the
 * CAM does with each event of a call — Hello, the outcome of its checks, Blocks, the outcome of
 * storing them, the LAM's half-close, the Hello timeout. The server (dtp-server.ts) turns gRPC
 * events into `SessionEvent`s and carries out the returned `SessionAction`s in order.
 *
 * Rules: the first frame is a Hello (checked at once, then by the node: refusal, provisioning, the
 * highest stored sequence), answered by a Welcome; Blocks may follow the Hello before the Welcome
 * (held, at most `window`); at most `window` blocks are in flight; any error is final; after the
 * LAM's half-close the call ends once every block in flight has its answer.
 */
import type { BlockRecord, Series } from '../../kernel/block.js';
import type { DecodedLamFrame, UndecodableFrame, WireError } from '../../proto/dtp.js';
import { checkBlock, checkHello, type Session } from './dtp-validation.js';
import type { AckOutcome } from './ledger.js';

export interface SessionLimits {
  window: number;
  maxRusPerBlock: number;
  helloTimeoutMs: number;
}

export type SessionEvent =
  | { kind: 'frame'; frame: DecodedLamFrame | UndecodableFrame; refusal: string | undefined }
  /** The node's checks of the Hello: a refusal (final), or the LAM's highest stored block. */
  | { kind: 'hello-checked'; error?: WireError; highestStoredSeq?: number; refusal: string | undefined }
  | { kind: 'stored'; blockSeq: number; outcome: AckOutcome }
  | { kind: 'store-failed'; error: WireError }
  | { kind: 'half-close' }
  | { kind: 'hello-timeout' };

export type SessionAction =
  /** Ask the node about this Hello; answer with a `hello-checked` event. */
  | { kind: 'check-hello'; session: Session }
  | { kind: 'welcome'; session: Session; highestStoredSeq: number }
  | { kind: 'store'; block: BlockRecord }
  | { kind: 'ack'; blockSeq: number; outcome: AckOutcome }
  /** Send this Error and end the call (`rejectedHello`: the stream never opened). */
  | { kind: 'close'; error: WireError; rejectedHello: boolean }
  /** End the call without an error (half-closed, nothing in flight). */
  | { kind: 'finish' };

type Phase = 'awaiting-hello' | 'checking-hello' | 'open' | 'ended';

export class DtpSession {
  private phase: Phase = 'awaiting-hello';
  private session: Session | undefined;
  /** The Hello's session while the node checks it. */
  private checking: Session | undefined;
  private inFlight = 0;
  private halfClosed = false;
  private readonly early: { frame: DecodedLamFrame & { frame: 'block' }; refusal: string | undefined }[] = [];

  constructor(
    private readonly port: Series,
    private readonly limits: SessionLimits,
  ) {}

  get lamId(): string | undefined {
    return this.session?.lamId;
  }

  get blocksInFlight(): number {
    return this.inFlight;
  }

  get ended(): boolean {
    return this.phase === 'ended';
  }

  handle(e: SessionEvent): SessionAction[] {
    if (this.phase === 'ended') return [];
    switch (e.kind) {
      case 'frame':
        return this.onFrame(e.frame, e.refusal);
      case 'hello-checked':
        return this.onHelloChecked(e);
      case 'stored':
        this.inFlight--;
        return [{ kind: 'ack', blockSeq: e.blockSeq, outcome: e.outcome }, ...this.finishIfDone()];
      case 'store-failed':
        this.inFlight--;
        return this.close(e.error);
      case 'half-close':
        this.halfClosed = true;
        // While the Hello is being checked, its Welcome and any early blocks are still to come.
        return this.phase === 'checking-hello' ? [] : this.finishIfDone();
      case 'hello-timeout':
        return this.phase === 'awaiting-hello'
          ? this.close({
              code: 'ERROR_CODE_PROTOCOL_VIOLATION',
              message: `no Hello within ${this.limits.helloTimeoutMs} ms`,
            })
          : [];
    }
  }

  private onFrame(frame: DecodedLamFrame | UndecodableFrame, refusal: string | undefined): SessionAction[] {
    if ('undecodable' in frame) {
      return this.close({
        code: frame.undecodable === 'oversized' ? 'ERROR_CODE_OVERSIZED_BLOCK' : 'ERROR_CODE_MALFORMED_FRAME',
        message: frame.undecodable === 'oversized' ? frame.detail : `frame does not decode: ${frame.detail}`,
        block_seq: frame.blockSeq,
      });
    }
    if (frame.frame === 'hello') {
      if (this.phase !== 'awaiting-hello')
        return this.close({ code: 'ERROR_CODE_PROTOCOL_VIOLATION', message: 'second Hello on one stream' });
      const checked = checkHello(frame.hello, this.port);
      if (!checked.ok) return this.close(checked.error, true);
      this.phase = 'checking-hello';
      this.checking = checked.value;
      return [{ kind: 'check-hello', session: checked.value }];
    }
    if (frame.frame === 'block') {
      if (this.phase === 'checking-hello') {
        if (this.early.length >= this.limits.window)
          return this.close({
            code: 'ERROR_CODE_WINDOW_EXCEEDED',
            message: `more than ${this.limits.window} blocks before the Welcome; wait for it`,
            block_seq: frame.block.block_seq ?? 0,
          });
        this.early.push({ frame, refusal });
        return [];
      }
      return this.onBlock(frame, refusal);
    }
    return this.close({
      code: 'ERROR_CODE_MALFORMED_FRAME',
      message: 'frame carries neither hello nor block',
    });
  }

  private onHelloChecked(e: Extract<SessionEvent, { kind: 'hello-checked' }>): SessionAction[] {
    if (this.phase !== 'checking-hello') return [];
    if (e.error) return this.close(e.error, true);
    this.phase = 'open';
    // Set only now: blocks held so far were checked against the Hello's session too.
    const pending = this.checking!;
    this.session = pending;
    const actions: SessionAction[] = [
      { kind: 'welcome', session: pending, highestStoredSeq: e.highestStoredSeq ?? 0 },
    ];
    for (const b of this.early.splice(0)) {
      actions.push(...this.onBlock(b.frame, e.refusal));
      if (this.ended) return actions;
    }
    return [...actions, ...this.finishIfDone()];
  }

  private onBlock(frame: DecodedLamFrame & { frame: 'block' }, refusal: string | undefined): SessionAction[] {
    const session = this.session;
    if (!session)
      return this.close({
        code: 'ERROR_CODE_PROTOCOL_VIOLATION',
        message: 'Block before the Welcome; send Hello first',
      });
    if (this.inFlight >= this.limits.window)
      return this.close({
        code: 'ERROR_CODE_WINDOW_EXCEEDED',
        message: `more than ${this.limits.window} blocks in flight; wait for acks`,
        block_seq: frame.block.block_seq ?? 0,
      });
    const checked = checkBlock(frame.block, session, { maxRusPerBlock: this.limits.maxRusPerBlock });
    if (!checked.ok) return this.close(checked.error);
    if (refusal) return this.close({ code: 'ERROR_CODE_NOT_ACCEPTING', message: refusal });
    this.inFlight++;
    return [{ kind: 'store', block: checked.value }];
  }

  private finishIfDone(): SessionAction[] {
    if (!this.halfClosed || this.inFlight > 0 || this.phase === 'checking-hello') return [];
    this.phase = 'ended';
    return [{ kind: 'finish' }];
  }

  private close(error: WireError, rejectedHello = false): SessionAction[] {
    this.phase = 'ended';
    return [{ kind: 'close', error, rejectedHello }];
  }
}
