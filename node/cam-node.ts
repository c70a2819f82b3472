/**
 * One CAM node: database, journal, ingest and the DTP listeners, composed. It acknowledges a block
 * only while its database member is writable (Primary, ready, synced) and its journal has been
 * replayed since the member last became writable.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { DtpServer } from './accounting/dtp-server.js';
import { GroupCommitter } from './accounting/ingest.js';
import { recorderId } from './accounting/ipdr/document.js';
import { IpdrPlanner, IpdrRenderer, LEASE_TTL_MS } from './accounting/ipdr/ledger-ipdr.js';
import { Journal } from './accounting/journal.js';
import { LamRegistry } from './accounting/lam-registry.js';
import { Ledger } from './accounting/ledger.js';
import { type ReplayReport, replayJournal } from './accounting/replay.js';
import { AlarmRegistry } from './alarms/alarms.js';
import { DiskMonitor, deviceOf } from './alarms/disk-monitor.js';
import { AdminServer } from './api/admin-server.js';
import { sleep } from './common/process.js';
import { tandemVersion } from './common/version.js';
import type { NodeConfig } from './config/schema.js';
import { Delivery } from './delivery/delivery.js';
import { Database } from './replication/database.js';
import { MemberHealthMonitor } from './replication/member-health.js';
import { migrate } from './replication/migrations.js';

export const ALARM_DB_NOT_WRITABLE = 'DatabaseNotWritable';
export const ALARM_JOURNAL_FAILURE = 'JournalWriteFailure';
export const ALARM_JOURNAL_CORRUPT = 'JournalCorrupt';
export const ALARM_DISK_MAJOR = 'DiskMajorAlarm';
export const ALARM_DISK_CRITICAL = 'DiskCriticalAlarm';
export const ALARM_IPDR_FAILURE = 'IpdrRenderFailure';

export class CamNode {
  readonly alarms: AlarmRegistry;
  readonly db: Database;
  readonly ledger: Ledger;
  readonly health: MemberHealthMonitor;
  private journal: Journal | undefined;
  private committer: GroupCommitter | undefined;
  private dtp: DtpServer | undefined;
  private admin: AdminServer | undefined;
  private replaying = false;
  private needsReplay = true;
  private lastReplay: ReplayReport | undefined;
  private stopping = false;
  private readonly disks: DiskMonitor[] = [];
  private planner: IpdrPlanner | undefined;
  private renderer: IpdrRenderer | undefined;
  private ipdrTimer: NodeJS.Timeout | undefined;
  private ipdrRunning = false;
  /** Until when this node holds the job lease (planner, delivery): the active node. */
  private activeUntilMs = 0;
  private delivery: Delivery | undefined;
  readonly startedAt = new Date();

  constructor(
    readonly config: NodeConfig,
    private readonly log: Logger,
  ) {
    this.alarms = new AlarmRegistry(log);
    this.db = new Database(config.database, log.child({ part: 'db' }));
    this.ledger = new Ledger(this.db, config.node.id);
    this.health = new MemberHealthMonitor(
      this.db,
      config.database.healthIntervalMs,
      log.child({ part: 'health' }),
    );
  }

  /** Why this node refuses blocks right now, or undefined when it accepts them. */
  refusal(): string | undefined {
    if (this.stopping) return 'CAM is shutting down';
    const h = this.health.health;
    if (!h.writable) return h.reason;
    if (this.replaying || this.needsReplay) return 'CAM is replaying its journal into the ledger';
    return undefined;
  }

  /**
   * The active node: accepting blocks and holding the job lease (IPDR planning, OSS delivery).
   * The lease expires on its own when this node stops renewing it (crash, lost Primary).
   */
  isActive(): boolean {
    return this.refusal() === undefined && Date.now() < this.activeUntilMs;
  }

  async start(): Promise<void> {
    const { config, log } = this;
    log.info({ node: config.node.id, version: tandemVersion() }, 'CAM node starting');
    this.admin = new AdminServer(config.node.adminListen, () => this.status(), log.child({ part: 'api' }));
    await this.admin.start();
    await this.startDiskMonitors();
    await this.waitForDatabase();
    await migrate(this.db, log);
    this.journal = await Journal.open(
      join(config.node.dataDir, 'journal'),
      config.journal,
      log.child({ part: 'journal' }),
    );
    this.committer = new GroupCommitter(
      this.journal,
      this.ledger,
      config.ingest.maxBatchBlocks,
      log.child({ part: 'ingest' }),
      (err) => this.onBatchError(err),
      () => this.alarms.clear(ALARM_JOURNAL_FAILURE, 'journal writes succeed again'),
    );
    this.health.onChange((h) => this.onHealthChange(h.writable, h.reason));
    await this.health.checkNow();
    this.onHealthChange(this.health.health.writable, this.health.health.reason);
    this.health.start();
    const lams = new LamRegistry(this.db);
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
      log: log.child({ part: 'dtp' }),
    });
    await this.dtp.start();
    if (config.ipdr.enabled) {
      this.startIpdr();
      this.delivery = new Delivery(
        config,
        this.db,
        (series) => this.renderer!.closedThrough(series),
        () => this.isActive(),
        this.alarms,
        log.child({ part: 'delivery' }),
      );
      this.delivery.start();
    }
    log.info({ accepting: this.refusal() === undefined, refusal: this.refusal() }, 'CAM node started');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.health.stop();
    for (const d of this.disks) d.stop();
    clearInterval(this.ipdrTimer);
    await this.delivery?.stop();
    while (this.ipdrRunning) await sleep(20);
    // Hand the jobs over now rather than after the lease expires.
    if (this.activeUntilMs > 0) await this.planner?.release().catch(() => undefined);
    await this.dtp?.stop();
    await this.committer?.idle();
    await this.journal?.close();
    await this.admin?.stop();
    await this.db.close();
    this.log.info('CAM node stopped');
  }

  status() {
    const h = this.health.health;
    return {
      node: {
        id: this.config.node.id,
        version: tandemVersion(),
        pid: process.pid,
        startedAt: this.startedAt.toISOString(),
        uptimeS: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
      },
      accepting: this.refusal() === undefined,
      refusal: this.refusal() ?? null,
      database: {
        writable: h.writable,
        reason: h.reason || null,
        clusterStatus: h.status?.clusterStatus ?? null,
        clusterSize: h.status?.clusterSize ?? null,
        localState: h.status?.localState ?? null,
        checkedAt: h.checkedAt ? new Date(h.checkedAt).toISOString() : null,
      },
      listeners: {
        host: this.config.cam.ipAddress,
        primaryPort: this.config.cam.primaryPort,
        recoveryPort: this.config.cam.recoveryPort,
      },
      ingest: this.committer?.stats ?? null,
      dtp: this.dtp ? { ...this.dtp.counters, streams: this.dtp.listStreams() } : null,
      journal: { dir: this.journal?.dir ?? null, lastReplay: this.lastReplay ?? null },
      disks: this.disks.map((d) => ({ what: d.what, usedPercent: Number(d.usedPercent.toFixed(1)) })),
      active: this.isActive(),
      delivery: this.delivery?.enabled ? this.delivery.status() : null,
      alarms: this.alarms.list(),
    };
  }

  /**
   * Table 2 thresholds on the accounting partition (DiskMajorAlarm / DiskCriticalAlarm) and, when
   * it is another filesystem, on the journal's (JournalDiskMajor / JournalDiskCritical).
   */
  private async startDiskMonitors(): Promise<void> {
    const { cam, node } = this.config;
    const journalDir = join(node.dataDir, 'journal');
    const common = {
      major: cam.diskMonitorMajorThreshold,
      critical: cam.diskMonitorCriticalThreshold,
      alarms: this.alarms,
      log: this.log.child({ part: 'disk' }),
    };
    this.disks.push(
      new DiskMonitor({
        ...common,
        what: `accounting partition (${cam.baseFilePath})`,
        path: cam.baseFilePath,
        alarmNames: { major: ALARM_DISK_MAJOR, critical: ALARM_DISK_CRITICAL },
      }),
    );
    if ((await deviceOf(journalDir)) !== (await deviceOf(cam.baseFilePath))) {
      this.disks.push(
        new DiskMonitor({
          ...common,
          what: `journal partition (${journalDir})`,
          path: journalDir,
          alarmNames: { major: 'JournalDiskMajor', critical: 'JournalDiskCritical' },
        }),
      );
    }
    for (const d of this.disks) {
      await d.check();
      d.start();
    }
  }

  /**
   * IPDR files: this node renders every planned file into its own directories; while it accepts
   * blocks it also plans (places new blocks into files, closes files) — see ipdr/ledger-ipdr.ts.
   */
  private startIpdr(): void {
    const { cam, node } = this.config;
    const limits = {
      fileRotationSize: cam.fileRotationSize,
      fileRotationTime: cam.fileRotationTime,
      recorderId: recorderId(cam.ipAddress),
      version: `2.0 Tandem/${tandemVersion()}`,
    };
    const log = this.log.child({ part: 'ipdr' });
    this.planner = new IpdrPlanner(this.db, node.id, limits, log);
    this.renderer = new IpdrRenderer(
      this.db,
      cam.baseFilePath,
      node.dataDir,
      { ...limits, compress: cam.fileCompression },
      log,
    );
    this.ipdrTimer = setInterval(() => void this.ipdrRound(), this.config.ipdr.intervalMs);
  }

  private async ipdrRound(): Promise<void> {
    if (this.ipdrRunning || this.stopping || !this.health.health.writable) return;
    this.ipdrRunning = true;
    try {
      if (this.refusal() === undefined) {
        const startedAt = Date.now();
        const { leased } = await this.planner!.round(startedAt);
        // Counted from before the renewal, and a second short of the TTL, so this node stops
        // acting as active before another node could take the lease.
        this.activeUntilMs = leased ? startedAt + LEASE_TTL_MS - 1000 : 0;
        if (!leased) this.delivery?.deactivate();
      }
      await this.renderer!.round();
      this.alarms.clear(ALARM_IPDR_FAILURE, 'IPDR rendering works again');
    } catch (err) {
      this.alarms.raise(
        ALARM_IPDR_FAILURE,
        'major',
        `IPDR planning or rendering failed: ${(err as Error).message}`,
      );
    } finally {
      this.ipdrRunning = false;
    }
  }

  private async waitForDatabase(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.query('SELECT 1');
        this.alarms.clear(ALARM_DB_NOT_WRITABLE);
        return;
      } catch (err) {
        const reason = `database unreachable: ${(err as Error).message}`;
        this.alarms.raise(ALARM_DB_NOT_WRITABLE, 'critical', reason);
        if (attempt === 1 || attempt % 10 === 0)
          this.log.warn({ attempt, reason }, 'waiting for the database');
        await sleep(Math.min(2000, 100 * attempt));
      }
    }
  }

  private onHealthChange(writable: boolean, reason: string): void {
    if (!writable) {
      this.alarms.raise(ALARM_DB_NOT_WRITABLE, 'critical', reason);
      this.activeUntilMs = 0;
      this.delivery?.deactivate();
      // The member may come back through a state transfer that lacks writes we acknowledged.
      this.needsReplay = true;
      this.dtp?.closeAllStreams(reason);
      return;
    }
    this.alarms.clear(ALARM_DB_NOT_WRITABLE);
    if (this.needsReplay && !this.replaying) void this.replay();
  }

  private async replay(): Promise<void> {
    if (!this.journal) return;
    this.replaying = true;
    try {
      for (;;) {
        try {
          await this.committer?.idle();
          this.lastReplay = await replayJournal(
            this.journal,
            this.ledger,
            this.log.child({ part: 'replay' }),
          );
          if (this.lastReplay.corruptSegments.length > 0) {
            this.alarms.raise(
              ALARM_JOURNAL_CORRUPT,
              'minor',
              `journal segments with a corrupt record: ${this.lastReplay.corruptSegments.join(', ')}`,
            );
          }
          await this.journal.prune();
          this.needsReplay = false;
          return;
        } catch (err) {
          this.log.warn({ err: (err as Error).message }, 'journal replay failed; retrying');
          if (this.stopping) return;
          await sleep(500);
        }
      }
    } finally {
      this.replaying = false;
    }
  }

  private onBatchError(err: unknown): void {
    const e = err as NodeJS.ErrnoException;
    if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code) && e.syscall) {
      this.alarms.raise(ALARM_JOURNAL_FAILURE, 'critical', `journal write failed: ${e.message}`);
    }
  }
}
