/**
 * One CAM node, composed (the data path of ARCHITECTURE.md, top-down):
 *   IngestGate   DTP listeners → group commit (journal ∥ ledger) → ack, journal replay first
 *   PairRuntime  (pair.enabled) role lease, heartbeat, logical IP, own Galera member
 *   IpdrJobs     (ipdr.enabled) placement of acked blocks into IPDR files, rendering
 *   Delivery     the files to the OSS (TCP feed, FTP push), on the active node only
 * plus the database member's health, disk alarms and the admin API (status, commands).
 */
import type { Logger } from 'pino';
import { AlarmRegistry } from '../kernel/alarms.js';
import type { Series } from '../kernel/block.js';
import type { DiskMonitor } from '../kernel/disk-monitor.js';
import { tandemVersion } from '../kernel/version.js';
import { IngestGate } from './accounting/ingest-gate.js';
import { IpdrJobs } from './accounting/ipdr/ipdr-jobs.js';
import { Ledger } from './accounting/ledger.js';
import { type AdminCommand, AdminServer } from './api/admin-server.js';
import type { NodeConfig } from './config/schema.js';
import { Delivery } from './delivery/delivery.js';
import { startNodeDiskMonitors } from './node-disks.js';
import { type NodeFacts, PairRuntime } from './pair/pair-runtime.js';
import { Database } from './replication/database.js';
import { prepareDatabase } from './replication/database-ready.js';
import { MemberHealthMonitor } from './replication/member-health.js';

export class CamNode implements NodeFacts {
  readonly alarms: AlarmRegistry;
  readonly db: Database;
  readonly health: MemberHealthMonitor;
  readonly ingest: IngestGate;
  readonly pair: PairRuntime | undefined;
  private readonly ipdr: IpdrJobs | undefined;
  private delivery: Delivery | undefined;
  private admin: AdminServer | undefined;
  private disks: DiskMonitor[] = [];
  readonly startedAt = new Date();

  constructor(
    readonly config: NodeConfig,
    private readonly log: Logger,
  ) {
    this.alarms = new AlarmRegistry(log);
    this.db = new Database(config.database, log.child({ part: 'db' }));
    this.health = new MemberHealthMonitor(
      this.db,
      config.database.healthIntervalMs,
      log.child({ part: 'health' }),
    );
    if (config.pair.enabled) this.pair = new PairRuntime({ config, db: this.db, health: this.health, log });
    // Journal replay restores blocks acknowledged earlier, in any tenure: it is never fenced.
    const replayLedger = new Ledger(this.db, config.node.id);
    this.ingest = new IngestGate({
      config,
      db: this.db,
      ledger: this.pair ? new Ledger(this.db, config.node.id, this.pair) : replayLedger,
      replayLedger,
      health: this.health,
      alarms: this.alarms,
      log,
    });
    if (config.ipdr.enabled)
      this.ipdr = new IpdrJobs({
        config,
        db: this.db,
        health: this.health,
        ingest: this.ingest,
        alarms: this.alarms,
        inPair: this.pair !== undefined,
        log,
      });
  }

  async start(): Promise<void> {
    const { config, log } = this;
    log.info({ nodeId: config.node.id, version: tandemVersion() }, 'CAM node starting');
    this.admin = new AdminServer(
      config.node.adminListen,
      () => this.status(),
      log.child({ part: 'api' }),
      (c) => this.command(c),
    );
    await this.admin.start();
    this.disks = await startNodeDiskMonitors(config, this.alarms, log);
    await this.pair?.startBeforeDatabase(this);
    await prepareDatabase(this.db, this.alarms, log);
    await this.ingest.open({ refusal: () => this.pair?.refusal() });
    this.health.onChange((h) => this.onHealthChange(h.writable, h.reason));
    await this.health.checkNow();
    this.onHealthChange(this.health.health.writable, this.health.health.reason);
    this.health.start();
    if (this.ipdr)
      this.delivery = new Delivery(
        config,
        this.db,
        (series) => this.ipdr!.closedThrough(series),
        () => this.isActive(),
        this.alarms,
        log.child({ part: 'delivery' }),
      );
    const jobs = this.delivery ? [this.delivery] : [];
    if (this.pair) await this.pair.startRole(this.ingest, jobs);
    else if (!(await this.ingest.openListeners())) void this.ingest.keepOpeningListeners();
    this.ipdr?.start(jobs);
    this.delivery?.start();
    log.info({ accepting: this.refusal() === undefined, refusal: this.refusal() }, 'CAM node started');
  }

  async stop(): Promise<void> {
    this.ingest.beginShutdown();
    await this.pair?.stop(); // gives the lease up, closes the listeners, drops the logical IP
    this.health.stop();
    for (const d of this.disks) d.stop();
    await this.delivery?.stop();
    await this.ipdr?.stop();
    await this.ingest.close();
    await this.admin?.stop();
    await this.db.close();
    await this.pair?.stopMember();
    this.log.info('CAM node stopped');
  }

  /** Why this node refuses blocks right now, or undefined when it accepts them. */
  refusal(): string | undefined {
    return this.ingest.refusal();
  }

  /**
   * The active node: accepting blocks and, alone, holding the planner's job lease (IPDR planning,
   * OSS delivery). That lease expires on its own when the node stops renewing it.
   */
  isActive(): boolean {
    if (this.pair) return this.refusal() === undefined;
    return this.refusal() === undefined && (this.ipdr?.leased ?? false);
  }

  /** An operator command (CLI / admin API); throws with the reason when refused. */
  async command(c: AdminCommand): Promise<unknown> {
    if (!this.pair) throw new Error(`${this.config.node.id} is a single node (pair.enabled is false)`);
    return this.pair.command(c);
  }

  accepting(): boolean {
    return this.refusal() === undefined;
  }

  blocksStored(): number {
    return this.ingest.blocksStored;
  }

  renderedThrough(series: Series): number {
    return this.ipdr?.closedThrough(series) ?? 0;
  }

  status() {
    const h = this.health.health;
    const pair = this.pair?.status();
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
      ...this.ingest.status(),
      disks: this.disks.map((d) => ({ what: d.what, usedPercent: Number(d.usedPercent.toFixed(1)) })),
      active: this.isActive(),
      role: pair?.role ?? null,
      peer: pair?.peer ?? null,
      vip: pair?.vip ?? { driver: 'none' },
      galera: pair?.galera ?? { managed: false },
      delivery: this.delivery?.enabled ? this.delivery.status() : null,
      alarms: this.alarms.list(),
    };
  }

  private onHealthChange(writable: boolean, reason: string): void {
    if (!writable) {
      this.ipdr?.onDatabaseLost();
      this.delivery?.deactivate();
    }
    this.ingest.onDatabaseChange(writable, reason);
  }
}
