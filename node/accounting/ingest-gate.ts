/**
 * The ingest path of a node, top-down: DTP listeners → group commit (journal ∥ ledger) → ack.
 * Owns the journal (with its quarantine and checkpoint), the committer, the DTP server and the
 * journal replay that must finish, after every loss of the database, before anything is acked.
 *
 * It accepts a block only while `refusal()` is undefined: its own conditions (replay, listeners),
 * the database member's health and the node's ownership (`OwnershipGate`: the role lease).
 */

import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AlarmRegistry } from '../../kernel/alarms.js';
import { sleep } from '../../kernel/process.js';
import { TlsPeers } from '../../kernel/tls/credentials.js';
import type { NodeConfig } from '../config/schema.js';
import type { NodeObserver } from '../metrics/observer.js';
import { type Database, isRejectedForGood } from '../replication/database.js';
import { describeDbError } from '../replication/db-errors.js';
import type { MemberHealthMonitor } from '../replication/member-health.js';
import { DtpServer } from './dtp-server.js';
import { type GateFacts, gateReadiness, gateRefusal } from './gate-decision.js';
import { conflictReason, GroupCommitter } from './ingest.js';
import { Journal } from './journal.js';
import { JournalCheckpoint } from './journal-checkpoint.js';
import { LamAuthentication } from './lam-auth.js';
import { LamRegistry } from './lam-registry.js';
import type { Ledger } from './ledger.js';
import { JournalQuarantine } from './quarantine.js';
import { type ReplayReport, replayJournal } from './replay.js';

export const ALARM_DB_NOT_WRITABLE = 'DatabaseNotWritable';
export const ALARM_JOURNAL_FAILURE = 'JournalWriteFailure';
export const ALARM_JOURNAL_CORRUPT = 'JournalCorrupt';
export const ALARM_JOURNAL_QUARANTINED = 'JournalRecordQuarantined';
export const ALARM_LISTEN_FAILURE = 'DtpListenFailure';
export const ALARM_SEQUENCE_CONFLICT = 'LamSequenceConflict';

/** Whether this node may ack at all: it holds the role lease (role-runtime.ts). */
export interface OwnershipGate {
  /** undefined while this node may ack; otherwise why not. */
  refusal(): string | undefined;
}

export interface IngestGateDeps {
  config: NodeConfig;
  db: Database;
  /** Fenced by the role lease in a pair: every batch commits under this node's tenure. */
  ledger: Ledger;
  /** Unfenced: replay restores blocks acknowledged in earlier tenures. */
  replayLedger: Ledger;
  health: MemberHealthMonitor;
  alarms: AlarmRegistry;
  /** Ack latencies, batch sizes and commit times (metrics). */
  observer?: NodeObserver;
  log: Logger;
}

export class IngestGate {
  private journal: Journal | undefined;
  private quarantine: JournalQuarantine | undefined;
  private checkpoint: JournalCheckpoint | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private committer: GroupCommitter | undefined;
  private dtp: DtpServer | undefined;
  private replaying = false;
  private needsReplay = true;
  private lastReplay: ReplayReport | undefined;
  private replayError: string | undefined;
  /** Failed attempts to open the DTP listeners, and when to try again. */
  private listen = { failures: 0, retryAtMs: 0, error: '' };
  private ownership: OwnershipGate = { refusal: () => undefined };
  private stopping = false;
  /** Who may send as which LAM (mutual TLS; off: everyone). Built once: it holds the trust store. */
  private readonly auth: LamAuthentication;

  constructor(private readonly d: IngestGateDeps) {
    this.auth = new LamAuthentication(new TlsPeers(d.config.tls), d.alarms);
  }

  /** Opens the journal (with quarantine and checkpoint) and builds the committer and DTP server. */
  async open(ownership: OwnershipGate): Promise<void> {
    const { config, alarms, log } = this.d;
    this.ownership = ownership;
    this.journal = await Journal.open(
      join(config.node.dataDir, 'journal'),
      config.journal,
      log.child({ part: 'journal' }),
    );
    this.quarantine = await JournalQuarantine.open(this.journal.dir);
    this.checkpoint = new JournalCheckpoint(this.journal.dir, this.d.db, config.node.id);
    this.raiseQuarantineAlarm();
    this.checkpointTimer = setInterval(
      () => void this.extendCheckpoint(),
      config.journal.checkpointIntervalMs,
    );
    this.committer = new GroupCommitter(
      this.journal,
      this.d.ledger,
      {
        maxBatchBlocks: config.ingest.maxBatchBlocks,
        isRejectedForGood,
        describe: describeDbError,
        onBatchError: (err) => this.onBatchError(err),
        onBatchStored: () => alarms.clear(ALARM_JOURNAL_FAILURE, 'journal writes succeed again'),
        // Stays raised: only an operator can tell a reinstalled LAM from a second host or a forger.
        onSequenceConflict: (block) => alarms.raise(ALARM_SEQUENCE_CONFLICT, 'major', conflictReason(block)),
        observer: this.d.observer,
      },
      log.child({ part: 'ingest' }),
    );
    const lams = new LamRegistry(this.d.db);
    this.dtp = new DtpServer({
      nodeId: config.node.id,
      host: config.cam.ipAddress,
      primaryPort: config.cam.primaryPort,
      recoveryPort: config.cam.recoveryPort,
      window: config.ingest.window,
      maxBlockBytes: config.ingest.maxBlockBytes,
      helloTimeoutMs: config.ingest.helloTimeoutMs,
      refusal: () => this.refusal(),
      isKnownLam: config.ingest.requireKnownLams ? (id) => lams.isKnown(id) : undefined,
      store: (block) => this.committer!.submit(block),
      highestStoredSeq: (lamId) => this.d.ledger.highestSeq(lamId),
      observer: this.d.observer,
      tls: config.tls,
      auth: this.auth,
      log: log.child({ part: 'dtp' }),
    });
  }

  /** Why blocks are refused right now, or undefined when they are accepted. */
  refusal(): string | undefined {
    return gateRefusal(this.facts(true));
  }

  /**
   * Why this node could not ack even if it held the role (for the role manager), or undefined.
   * Listeners count only until their retry time, so the role manager can take the role again.
   */
  readiness(): { ready: boolean; reason: string } {
    return gateReadiness(this.facts(false));
  }

  private facts(withOwnership: boolean): GateFacts {
    return {
      stopping: this.stopping,
      member: this.d.health.health,
      replayPending: this.replaying || this.needsReplay,
      replayError: this.replayError,
      listen: this.listen,
      ownership: withOwnership ? this.ownership.refusal() : undefined,
      nowMs: Date.now(),
    };
  }

  /** The member's writability changed: stop at once when lost, replay first when back. */
  onDatabaseChange(writable: boolean, reason: string): void {
    const { alarms } = this.d;
    if (!writable) {
      alarms.raise(ALARM_DB_NOT_WRITABLE, 'critical', reason);
      // The member may come back through a state transfer that lacks writes we acknowledged.
      this.needsReplay = true;
      this.dtp?.closeAllStreams(reason);
      return;
    }
    alarms.clear(ALARM_DB_NOT_WRITABLE);
    if (this.needsReplay && !this.replaying) void this.replay();
  }

  /** Ends every open stream with NOT_ACCEPTING. */
  closeAllStreams(reason: string): void {
    this.dtp?.closeAllStreams(reason);
  }

  /** Every block handed in has its outcome (before a planned hand-over). */
  get drained(): boolean {
    return this.committer?.isIdle ?? true;
  }

  /** Opens the listeners; a failure is recorded (alarm, backoff), never thrown. */
  async openListeners(): Promise<boolean> {
    try {
      await this.dtp!.start();
      this.listenOk();
      return true;
    } catch (err) {
      this.listenersFailed(err);
      await this.dtp!.stop().catch(() => undefined);
      return false;
    }
  }

  /** A failed bind is retried with backoff, never fatal (status and DtpListenFailure say why). */
  async keepOpeningListeners(): Promise<void> {
    while (!this.stopping) {
      await sleep(Math.max(0, this.listen.retryAtMs - Date.now()));
      if (this.stopping || (await this.openListeners())) return;
    }
  }

  async closeListeners(): Promise<void> {
    await this.dtp?.stop();
  }

  /** From now on every block is refused ("shutting down"); close() follows. */
  beginShutdown(): void {
    this.stopping = true;
  }

  /** Stops taking blocks, waits for the batch in flight, closes the journal. */
  async close(): Promise<void> {
    this.stopping = true;
    clearInterval(this.checkpointTimer);
    await this.dtp?.stop();
    this.auth.stop();
    await this.committer?.idle();
    await this.journal?.close();
  }

  /** Blocks stored by this process (for the heartbeat). */
  get blocksStored(): number {
    return this.committer?.stats.blocksStored ?? 0;
  }

  status() {
    return {
      ingest: this.committer?.stats ?? null,
      dtp: this.dtp
        ? {
            ...this.dtp.counters,
            tls: this.auth.enabled,
            refusedCertificates: this.auth.refused,
            streams: this.dtp.listStreams(),
          }
        : null,
      journal: {
        dir: this.journal?.dir ?? null,
        lastReplay: this.lastReplay
          ? { ...this.lastReplay, quarantined: this.lastReplay.quarantined.length }
          : null,
        replayError: this.replayError ?? null,
        quarantined: this.quarantine?.count ?? 0,
        recentlyQuarantined: this.quarantine?.recent(5) ?? [],
      },
    };
  }

  /** Taking the address for the listeners failed: counted like a failed bind (backoff, alarm). */
  listenersFailed(err: unknown): void {
    const l = this.listen;
    l.failures++;
    const delay = Math.min(30_000, 500 * 2 ** (l.failures - 1));
    l.retryAtMs = Date.now() + delay;
    l.error = (err as Error).message;
    this.d.alarms.raise(
      ALARM_LISTEN_FAILURE,
      'critical',
      `${l.error} (attempt ${l.failures}; next in ${delay} ms)`,
    );
    this.d.log.error(
      { err: l.error, failures: l.failures, retryInMs: delay },
      'DTP listeners could not be opened',
    );
  }

  private listenOk(): void {
    if (this.listen.failures > 0) this.d.alarms.clear(ALARM_LISTEN_FAILURE, 'DTP listeners open');
    this.listen = { failures: 0, retryAtMs: 0, error: '' };
  }

  private async replay(): Promise<void> {
    const { journal, quarantine, checkpoint } = this;
    if (!journal || !quarantine || !checkpoint) return;
    this.replaying = true;
    try {
      // A flap during a replay asks for another one (the member may have come back through a
      // state transfer that lacks what this replay just restored).
      while (this.needsReplay && !this.stopping) {
        this.needsReplay = false;
        await this.replayUntilDone(journal, quarantine, checkpoint);
      }
    } finally {
      this.replaying = false;
    }
  }

  /** One replay, retried until it succeeds or the gate stops. */
  private async replayUntilDone(
    journal: Journal,
    quarantine: JournalQuarantine,
    checkpoint: JournalCheckpoint,
  ): Promise<void> {
    const { alarms, log } = this.d;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.committer?.idle();
        this.lastReplay = await replayJournal({
          journal,
          ledger: this.d.replayLedger,
          quarantine,
          checkpoint,
          isRejectedForGood,
          log: log.child({ part: 'replay' }),
        });
        this.replayError = undefined;
        if (this.lastReplay.corruptSegments.length > 0) {
          alarms.raise(
            ALARM_JOURNAL_CORRUPT,
            'minor',
            `journal segments with a corrupt record: ${this.lastReplay.corruptSegments.join(', ')}`,
          );
        }
        this.raiseQuarantineAlarm();
        await journal.prune();
        return;
      } catch (err) {
        // Named in the refusal LAMs get and in status: which segment and block, and why.
        this.replayError = describeDbError(err);
        log.warn({ attempt, err: this.replayError }, 'journal replay failed; retrying');
        if (this.stopping) {
          this.needsReplay = true;
          return;
        }
        await sleep(Math.min(5000, 250 * attempt));
      }
    }
  }

  private raiseQuarantineAlarm(): void {
    const q = this.quarantine;
    if (!q || q.count === 0) return;
    const last = q.recent(1)[0]!;
    this.d.alarms.raise(
      ALARM_JOURNAL_QUARANTINED,
      'major',
      `${q.count} journal record(s) refused by the ledger for good and quarantined in ${q.dir}; ` +
        `latest: block ${last.blockSeq} of LAM ${last.lamId} (${last.reason})`,
    );
  }

  /**
   * While running: segments sealed since the last checkpoint hold only settled batches (the
   * committer stores one batch at a time and a segment is sealed when the next batch starts), so
   * the checkpoint can cover them without reading them back.
   */
  private async extendCheckpoint(): Promise<void> {
    const { journal, checkpoint } = this;
    if (!journal || !checkpoint || !this.mayExtendCheckpoint()) return;
    const sealed = await journal.earlierSegments();
    // Asked again: a replay that began meanwhile commits its own list, which a stale one must not
    // replace (it would drop the segment the replay sealed).
    if (!this.mayExtendCheckpoint() || checkpoint.covers(sealed)) return;
    await checkpoint
      .extend(sealed)
      .catch((err) => this.d.log.warn({ err: describeDbError(err) }, 'journal checkpoint not extended'));
  }

  private mayExtendCheckpoint(): boolean {
    return !this.replaying && !this.needsReplay && this.d.health.health.writable;
  }

  private onBatchError(err: unknown): void {
    const e = err as NodeJS.ErrnoException;
    if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code) && e.syscall) {
      this.d.alarms.raise(ALARM_JOURNAL_FAILURE, 'critical', `journal write failed: ${e.message}`);
    }
  }
}
