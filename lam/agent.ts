/**
 * The LAM agent: RUs in, blocks out, nothing lost.
 *
 *   submit(ru) ─▶ current block (≤ rusPerBlock RUs, ≤ blockRotationTime) ─▶ spool (append + fsync)
 *        ─▶ primary stream while the CAM keeps up ─▶ ack ─▶ noted in the spool; file deleted when done
 *        └▶ otherwise stays in the spool ─▶ recovery stream (small window, lower priority) ─▶ ack
 *
 * `submit(ru)` returns once the RU is queued (lost if the LAM process dies before its block is
 * spooled, as in the seed). `submit(ru, { durable: true })` returns once the RU's block is fsync'd:
 * a durable submit closes the current block at the next fsync opportunity (group commit), so it
 * costs about one fsync, not a block rotation time. See docs/lam.md.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AlarmRegistry } from '../kernel/alarms.js';
import type { BlockRecord, Series } from '../kernel/block.js';
import { DiskMonitor } from '../kernel/disk-monitor.js';
import { type EventsConfig, eventsSchema } from '../kernel/events/config.js';
import { configDigest, EventPublisher } from '../kernel/events/publisher.js';
import { AlarmForwarding } from '../kernel/fcaps/alarm-forwarding.js';
import { type FcapsConfig, fcapsSchema } from '../kernel/fcaps/config.js';
import { type TlsConfig, tlsSchema } from '../kernel/tls/config.js';
import { channelCredentials } from '../kernel/tls/credentials.js';
import { tandemVersion } from '../kernel/version.js';
import type { WireError, WireWelcome } from '../proto/dtp.js';
import { checkRecordingUnit, type RecordingUnit } from '../proto/ru.js';
import { type OpenBlock as Block, BlockAssembler } from './block-assembler.js';
import type { LamAgentConfig, LamConfig } from './config.js';
import { DtpSender } from './dtp-client.js';
import { LamMetrics } from './metrics.js';
import { SeqStore } from './seq-store.js';
import { Spool, type SpoolFile, type SpoolOpenReport } from './spool.js';

export const ALARM_DISK_MAJOR = 'DiskMonMajor';
export const ALARM_DISK_CRITICAL = 'DiskMonCritical';
export const ALARM_DISK_ACCESS = 'diskAccessFailure';
export const ALARM_SPOOL_DAMAGED = 'SpoolDamaged';
export const ALARM_BLOCK_REJECTED = 'BlockRejected';
export const ALARM_SEQUENCE_MOVED = 'LamSequenceMoved';
export const ALARM_CAM_UNREACHABLE = 'CamUnreachable';
export const ALARM_NOT_AUTHENTICATED = 'LamNotAuthenticated';

/** Errors after which the same block can never be accepted: it is quarantined, not resent. */
const PERMANENT_BLOCK_ERRORS = new Set([
  'ERROR_CODE_INVALID_BLOCK',
  'ERROR_CODE_OVERSIZED_BLOCK',
  // Its key is stored with other RUs: resending can never succeed; the RUs are kept in quarantine/.
  'ERROR_CODE_SEQUENCE_CONFLICT',
]);

export class RuRejected extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = 'RuRejected';
  }
}

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}
type OpenBlock = Block<RecordingUnit, Waiter>;

export interface LamAgentOptions {
  lam: LamConfig;
  agent: LamAgentConfig;
  log: Logger;
  alarms?: AlarmRegistry;
  /** Where alarms are published (NATS); default: not published. */
  events?: EventsConfig;
  /** Where alarms are sent as SNMP traps and syslog; default: nowhere. */
  fcaps?: FcapsConfig;
  /** Mutual TLS to the CAM; default: off. */
  tls?: TlsConfig;
  /** Disk usage probe, replaceable in tests; default statfs of the spool directory. */
  diskUsedPercent?: (dir: string) => Promise<number>;
}

export class LamAgent {
  readonly alarms: AlarmRegistry;
  readonly spoolDir: string;
  /** Prometheus metrics of this agent (served at GET /metrics by the LAM API). */
  readonly metrics: LamMetrics;
  /** Alarms raised and cleared, published to NATS (`events` in the configuration). */
  readonly events: EventPublisher;
  /** Alarms as SNMP traps and syslog (`fcaps` in the configuration). */
  readonly fcaps: AlarmForwarding;
  readonly counters = {
    rusSubmitted: 0,
    rusDurable: 0,
    rusRejected: 0,
    rusDiscarded: 0,
    blocksClosed: 0,
    blocksSpooled: 0,
    blocksSentPrimary: 0,
    blocksSentRecovery: 0,
    blocksAckedPrimary: 0,
    blocksAckedRecovery: 0,
    blocksRejectedByCam: 0,
    /** RUs in blocks the CAM acknowledged (each block counted once, whichever stream). */
    rusAcked: 0,
    /** Times the CAM's highest stored sequence was ahead of ours (reset state or shared id). */
    sequenceMoves: 0,
    /** Local API requests refused for a missing or wrong token (lam/api.ts). */
    apiUnauthenticated: 0,
  };
  private readonly ruCountOf = new Map<number, number>();
  /** When each in-flight block was first sent, by stream: the ack latency histogram's start. */
  private readonly sentAt = { primary: new Map<number, number>(), recovery: new Map<number, number>() };
  private spool!: Spool;
  private seqs!: SeqStore;
  private primary!: DtpSender;
  private recovery!: DtpSender;
  private readonly blocks: BlockAssembler<RecordingUnit, Waiter>;
  private blockTimer: NodeJS.Timeout | undefined;
  private readonly toWrite: OpenBlock[] = [];
  private writing = false;
  private queuedRus = 0;
  private readonly ownedByPrimary = new Set<number>();
  private readonly recoveryInFlight = new Set<number>();
  private draining: { file: SpoolFile; blocks: BlockRecord[]; next: number } | undefined;
  private pumpingRecovery = false;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private spoolLock: Promise<unknown> = Promise.resolve();
  openReport: SpoolOpenReport | undefined;
  private disk: DiskMonitor | undefined;

  constructor(private readonly opts: LamAgentOptions) {
    this.alarms = opts.alarms ?? new AlarmRegistry(opts.log);
    this.spoolDir = join(opts.lam.baseFilePath, opts.lam.componentName);
    this.blocks = new BlockAssembler(opts.lam.rusPerBlock);
    this.metrics = new LamMetrics(opts.lam.componentName, tandemVersion(), this);
    this.events = new EventPublisher(
      opts.events ?? eventsSchema.parse({}),
      { component: 'lam', id: opts.lam.componentName },
      opts.log.child({ part: 'events' }),
    );
    this.alarms.listen(this.events);
    this.fcaps = new AlarmForwarding(
      opts.fcaps ?? fcapsSchema.parse({}),
      { component: 'lam', id: opts.lam.componentName },
      opts.log,
    );
    this.alarms.listen(this.fcaps);
  }

  get lamId(): string {
    return this.opts.lam.componentName;
  }

  async start(): Promise<void> {
    const { lam, agent, log } = this.opts;
    this.events.start();
    this.fcaps.start();
    this.events.emit('process.started', {
      version: tandemVersion(),
      configDigest: configDigest({ lam, agent }),
    });
    const { spool, report } = await Spool.open(this.spoolDir, lam, log.child({ part: 'spool' }));
    this.spool = spool;
    this.openReport = report;
    if (report.quarantined.length > 0) {
      const what = report.quarantined
        .map((q) => `${q.file} (${q.problem}, ${q.bytes} bytes → ${q.movedTo})`)
        .join('; ');
      this.alarms.raise(ALARM_SPOOL_DAMAGED, 'minor', `damaged spool data quarantined: ${what}`);
    }
    this.seqs = await SeqStore.open(this.spoolDir, report.maxSeq + 1);
    const common = {
      credentials: channelCredentials(this.opts.tls ?? tlsSchema.parse({})),
      lamId: lam.componentName,
      lamInstance: this.seqs.instance,
      softwareVersion: lam.softwareVersion,
      log: log.child({ part: 'dtp' }),
    };
    this.primary = new DtpSender({
      ...common,
      target: `${lam.primaryCamIpAddress}:${lam.primaryCamPort}`,
      stream: 'primary',
      onAck: (seq) => this.onPrimaryAck(seq),
      onError: (e) => void this.onCamError(this.primary, e),
      onConnect: (w) => void this.onWelcome(w),
    });
    this.recovery = new DtpSender({
      ...common,
      target: `${lam.recoveryCamIpAddress}:${lam.recoveryCamPort}`,
      stream: 'recovery',
      maxInFlight: agent.recoveryWindow,
      onAck: (seq) => this.onRecoveryAck(seq),
      onError: (e) => void this.onCamError(this.recovery, e),
      onConnect: (w) => void this.onWelcome(w),
    });
    this.primary.start();
    this.recovery.start();
    this.timers.push(
      setInterval(() => void this.withSpool(() => this.spool.rotateIfDue()).catch(() => undefined), 250),
      setInterval(() => this.checkCam(), 500),
      setInterval(() => void this.pumpRecovery(), 500),
    );
    this.disk = new DiskMonitor({
      what: 'spool partition',
      path: this.spoolDir,
      major: lam.diskMonitorMajorThreshold,
      critical: lam.diskMonitorCriticalThreshold,
      alarmNames: { major: ALARM_DISK_MAJOR, critical: ALARM_DISK_CRITICAL },
      alarms: this.alarms,
      log,
      probe: this.opts.diskUsedPercent,
    });
    await this.disk.check();
    this.disk.start();
    log.info({ spool: this.spoolDir, recovered: report }, 'LAM started');
  }

  /** RUs the queue can take now (Table 3 RU Queue Size less those queued). */
  get room(): number {
    return Math.max(0, this.opts.lam.ruQueueSize - this.queuedRus);
  }

  /** Validates and queues one RU; with `durable` resolves only once it is fsync'd in the spool. */
  submit(input: unknown, opts: { durable?: boolean } = {}): Promise<void> {
    const checked = checkRecordingUnit(input);
    if (!checked.ok) {
      this.counters.rusRejected++;
      return Promise.reject(
        new RuRejected(checked.problem.field, `${checked.problem.field} ${checked.problem.message}`),
      );
    }
    return this.enqueue([checked.value], opts.durable ?? false);
  }

  /** Several RUs at once: all are validated first; one bad RU rejects the lot (naming its index). */
  submitMany(inputs: unknown[], opts: { durable?: boolean } = {}): Promise<void> {
    const rus: RecordingUnit[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const checked = checkRecordingUnit(inputs[i], `[${i}]`);
      if (!checked.ok) {
        this.counters.rusRejected += inputs.length;
        return Promise.reject(
          new RuRejected(checked.problem.field, `${checked.problem.field} ${checked.problem.message}`),
        );
      }
      rus.push(checked.value);
    }
    return this.enqueue(rus, opts.durable ?? false);
  }

  private enqueue(rus: RecordingUnit[], durable: boolean): Promise<void> {
    if (this.stopped) return Promise.reject(new RuRejected('', 'LAM is stopping', 503));
    if (this.queuedRus + rus.length > this.opts.lam.ruQueueSize) {
      this.counters.rusRejected += rus.length;
      return Promise.reject(
        new RuRejected(
          '',
          `RU queue full (${this.opts.lam.ruQueueSize} RUs, Table 3 RU Queue Size); retry shortly`,
          503,
        ),
      );
    }
    this.counters.rusSubmitted += rus.length;
    if (durable) this.counters.rusDurable += rus.length;
    this.queuedRus += rus.length;
    const waits: Promise<void>[] = [];
    const waiter = (): Waiter => {
      let w!: Waiter;
      waits.push(
        new Promise<void>((resolve, reject) => {
          w = { resolve, reject };
        }),
      );
      return w;
    };
    const { opened, closed } = this.blocks.add(rus, durable ? waiter : undefined);
    if (closed.length > 0) clearTimeout(this.blockTimer);
    if (opened)
      this.blockTimer = setTimeout(() => this.closeCurrent(), this.opts.lam.blockRotationTime * 1000);
    for (const b of closed) this.toWrite.push(b);
    this.counters.blocksClosed += closed.length;
    if (closed.length > 0) void this.writeLoop();
    // Group commit: a durable submit closes the block as soon as the writer is free.
    if ((this.blocks.current?.waiters.length ?? 0) > 0 && !this.writing) this.closeCurrent();
    return durable ? Promise.all(waits).then(() => undefined) : Promise.resolve();
  }

  private closeCurrent(): void {
    const block = this.blocks.close();
    if (!block) return;
    clearTimeout(this.blockTimer);
    this.toWrite.push(block);
    this.counters.blocksClosed++;
    void this.writeLoop();
  }

  private async writeLoop(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.toWrite.length > 0) {
        const batch = this.toWrite.splice(0);
        const blocks: BlockRecord[] = [];
        for (const b of batch) {
          const blockSeq = await this.seqs.take();
          blocks.push({
            lamId: this.lamId,
            blockSeq,
            stream: 'recovery',
            createdAtMs: Date.now(),
            ruCount: b.rus.length,
            payload: JSON.stringify(b.rus),
          });
        }
        let spooled = true;
        try {
          await this.withSpool(() => this.spool.append(blocks));
          this.counters.blocksSpooled += blocks.length;
          this.alarms.clear(ALARM_DISK_ACCESS, 'spool writes succeed again');
        } catch (err) {
          spooled = false;
          // The partition may have filled between two checks: its threshold alarms come first,
          // so the operator sees why the write failed.
          await this.disk?.check().catch(() => undefined);
          this.alarms.raise(
            ALARM_DISK_ACCESS,
            'critical',
            `cannot write the spool: ${(err as Error).message}`,
          );
        }
        batch.forEach((b, i) => {
          this.queuedRus -= b.rus.length;
          const block = blocks[i]!;
          if (spooled) {
            for (const w of b.waiters) w.resolve();
            this.dispatch(block, b.rus);
          } else if (this.primaryUsable()) {
            // Not on disk, but the CAM is there: deliver from memory; durable callers are told.
            for (const w of b.waiters) w.reject(new Error('spool write failed; RU sent without a disk copy'));
            this.sendPrimary(block, b.rus);
          } else {
            this.counters.rusDiscarded += b.rus.length;
            for (const w of b.waiters)
              w.reject(
                new RuRejected('', 'diskAccessFailure: spool full and CAM unreachable; RU discarded', 503),
              );
          }
        });
        // Blocks with durable waiters that filled while we were writing: close them now.
        if ((this.blocks.current?.waiters.length ?? 0) > 0) {
          clearTimeout(this.blockTimer);
          this.toWrite.push(this.blocks.close()!);
          this.counters.blocksClosed++;
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private primaryUsable(): boolean {
    return this.primary.connected && this.primary.pending < this.opts.lam.ruBlockQueueSize;
  }

  private dispatch(block: BlockRecord, rus: RecordingUnit[]): void {
    if (this.primaryUsable()) this.sendPrimary(block, rus);
    else void this.pumpRecovery();
  }

  private sendPrimary(block: BlockRecord, rus: RecordingUnit[]): void {
    this.ownedByPrimary.add(block.blockSeq);
    this.ruCountOf.set(block.blockSeq, rus.length);
    this.counters.blocksSentPrimary++;
    this.sentAt.primary.set(block.blockSeq, performance.now());
    this.primary.send({ blockSeq: block.blockSeq, createdAtMs: block.createdAtMs, rus });
  }

  private onPrimaryAck(seq: number): void {
    this.ownedByPrimary.delete(seq);
    this.counters.blocksAckedPrimary++;
    this.observeAck('primary', seq);
    this.countAckedRus(seq);
    this.spool.markAcked(seq);
  }

  private observeAck(stream: Series, seq: number): void {
    const at = this.sentAt[stream].get(seq);
    if (at === undefined) return;
    this.sentAt[stream].delete(seq);
    this.metrics.blockAcked(stream, (performance.now() - at) / 1000);
  }

  private countAckedRus(seq: number): void {
    if (this.spool.isAcked(seq)) return;
    this.counters.rusAcked += this.ruCountOf.get(seq) ?? 0;
    this.ruCountOf.delete(seq);
  }

  private onRecoveryAck(seq: number): void {
    this.recoveryInFlight.delete(seq);
    this.counters.blocksAckedRecovery++;
    this.observeAck('recovery', seq);
    this.countAckedRus(seq);
    this.spool.markAcked(seq);
    void this.pumpRecovery();
  }

  /**
   * The CAM stores blocks of this LAM id up to a sequence this LAM has not reached: its state was
   * reset (reinstall, lost lam-state.json) or another host uses the id. New blocks move past it so
   * they are not refused as conflicts; blocks already numbered below it are refused one by one.
   */
  private async onWelcome(welcome: WireWelcome): Promise<void> {
    this.alarms.clear(ALARM_NOT_AUTHENTICATED, "the CAM accepted this LAM's certificate");
    const highest = welcome.highest_stored_seq ?? 0;
    const was = this.seqs.peek;
    if (await this.seqs.movePast(highest).catch(() => false)) {
      this.counters.sequenceMoves++;
      this.opts.log.warn(
        { highest, was, next: this.seqs.peek, instance: this.seqs.instance },
        'the CAM already stores blocks of this LAM id beyond our sequence; numbering continues past them',
      );
      this.alarms.raise(
        ALARM_SEQUENCE_MOVED,
        'minor',
        `the CAM stores blocks of ${this.lamId} up to ${highest} but this LAM was at ${was}: its state was reset or another host uses the id; numbering continues at ${highest + 1}`,
      );
    }
    void this.pumpRecovery();
  }

  /**
   * A block the CAM will never accept (invalid or too large for it) would block the stream forever:
   * it is written to quarantine/, released from the spool, counted and alarmed.
   */
  private async onCamError(stream: DtpSender, error: WireError): Promise<void> {
    if (error.code === 'ERROR_CODE_UNAUTHENTICATED')
      this.alarms.raise(ALARM_NOT_AUTHENTICATED, 'major', `the CAM refused this LAM: ${error.message}`);
    const seq = error.block_seq ?? 0;
    if (!PERMANENT_BLOCK_ERRORS.has(error.code) || seq === 0) return;
    const block = stream.forget(seq);
    this.ownedByPrimary.delete(seq);
    this.recoveryInFlight.delete(seq);
    this.sentAt.primary.delete(seq);
    this.sentAt.recovery.delete(seq);
    this.counters.blocksRejectedByCam++;
    const path = join(this.spool.quarantineDir, `block-${seq}.json`);
    await writeFile(
      path,
      JSON.stringify({ lamId: this.lamId, blockSeq: seq, error, rus: block?.rus ?? null }, null, 1),
    ).catch(() => undefined);
    this.spool.markAcked(seq);
    this.alarms.raise(
      ALARM_BLOCK_REJECTED,
      'major',
      `the CAM rejected block ${seq} for good (${error.code}: ${error.message}); kept in ${path}`,
    );
  }

  /** Feeds spooled, unacknowledged blocks to the recovery stream, oldest file first. */
  private async pumpRecovery(): Promise<void> {
    if (this.pumpingRecovery || this.stopped || !this.recovery.connected) return;
    this.pumpingRecovery = true;
    try {
      const window = this.opts.agent.recoveryWindow;
      while (this.recoveryInFlight.size < window) {
        if (!this.draining || this.draining.next >= this.draining.blocks.length) {
          const file = await this.nextBacklogFile();
          if (!file) break;
          await this.spool.markReading(file);
          this.draining = { file, blocks: await this.spool.unackedBlocks(file), next: 0 };
          continue;
        }
        const block = this.draining.blocks[this.draining.next++]!;
        if (this.spool.isAcked(block.blockSeq) || this.ownedByPrimary.has(block.blockSeq)) continue;
        if (this.recoveryInFlight.has(block.blockSeq)) continue;
        this.recoveryInFlight.add(block.blockSeq);
        this.counters.blocksSentRecovery++;
        const rus = JSON.parse(block.payload) as RecordingUnit[];
        this.ruCountOf.set(block.blockSeq, rus.length);
        this.sentAt.recovery.set(block.blockSeq, performance.now());
        this.recovery.send({ blockSeq: block.blockSeq, createdAtMs: block.createdAtMs, rus });
      }
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'recovery drain paused');
    } finally {
      this.pumpingRecovery = false;
    }
  }

  private async nextBacklogFile(): Promise<SpoolFile | undefined> {
    const current = this.draining?.file;
    // A file whose unacknowledged blocks are all on the primary stream is not backlog.
    const isBacklog = (f: SpoolFile) =>
      f !== current && [...f.seqs].some((s) => !f.acked.has(s) && !this.ownedByPrimary.has(s));
    const candidate = this.spool.backlogFiles().find(isBacklog);
    if (candidate) return candidate;
    // Unsent blocks still in the active file (the CAM was away): close it so they can drain now.
    if (this.spool.activeUnacked().some((s) => !this.ownedByPrimary.has(s))) {
      await this.withSpool(() => this.spool.rotate());
      return this.spool.backlogFiles().find(isBacklog);
    }
    return undefined;
  }

  private primaryDownSince: number | undefined;

  private checkCam(): void {
    if (this.primary.connected) {
      this.primaryDownSince = undefined;
      this.alarms.clear(ALARM_CAM_UNREACHABLE, 'primary stream connected');
      return;
    }
    this.primaryDownSince ??= Date.now();
    const downS = (Date.now() - this.primaryDownSince) / 1000;
    if (downS >= this.opts.agent.camUnreachableAlarmS) {
      const why = this.primary.stats.lastError || 'no answer';
      this.alarms.raise(
        ALARM_CAM_UNREACHABLE,
        'major',
        `no primary stream to the CAM for ${Math.floor(downS / 10) * 10}+ s (${why}); spooling`,
      );
    }
  }

  /** Spool file operations (append, rotate) never overlap. */
  private withSpool<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.spoolLock.then(fn, fn);
    this.spoolLock = run.catch(() => undefined);
    return run;
  }

  /** Resolves when nothing is queued and every spooled block is acknowledged. */
  async drained(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.closeCurrent();
    while (Date.now() < deadline) {
      if (
        this.toWrite.length === 0 &&
        !this.writing &&
        !this.blocks.current &&
        this.spool.stats().unackedBlocks === 0
      )
        return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`LAM not drained within ${timeoutMs} ms: ${JSON.stringify(this.status().spool)}`);
  }

  status() {
    const sender = (s: DtpSender) => ({
      connected: s.connected,
      pending: s.pending,
      acked: s.stats.acked,
      duplicates: s.stats.duplicates,
      stalls: s.stats.stalls,
      newConnections: s.stats.newConnections,
      lastError: s.stats.lastError || null,
    });
    return {
      lam: this.lamId,
      primary: sender(this.primary),
      recovery: sender(this.recovery),
      counters: { ...this.counters, queuedRus: this.queuedRus },
      spool: {
        dir: this.spoolDir,
        ...this.spool.stats(),
        diskUsedPercent: Number((this.disk?.usedPercent ?? 0).toFixed(1)),
      },
      recovered: this.openReport ?? null,
      alarms: this.alarms.list(),
      events: this.events.status(),
      fcaps: this.fcaps.status(),
    };
  }

  /** Closes the open block, writes what is queued, then stops the streams. */
  async stop(): Promise<void> {
    this.closeCurrent();
    while (this.writing || this.toWrite.length > 0) await new Promise((r) => setTimeout(r, 10));
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.disk?.stop();
    this.primary.stop();
    this.recovery.stop();
    await this.withSpool(() => this.spool.close());
    await this.events.close();
    await this.fcaps.close();
  }
}

export type LamStatus = ReturnType<LamAgent['status']>;
