/**
 * One CAM node, composed (the data path of ARCHITECTURE.md, top-down):
 *   IngestGate   DTP listeners → group commit (journal ∥ ledger) → ack, journal replay first
 *   RoleRuntime  the role lease (who is active, for a single node too); in a pair also the
 *                heartbeat, the logical IP and the own Galera member
 *   IpdrJobs     (ipdr.enabled) IPDR files: placement (with each ingest batch), rendering
 *   Delivery     the files to the OSS (TCP feed, FTP push), on the active node only
 * plus the database member's health, disk alarms, the admin API (status, commands, metrics) and
 * the events published to NATS (alarms, role changes, commands) and the alarms forwarded as SNMP
 * traps and syslog (fcaps).
 */
import type { Logger } from 'pino';
import { AlarmRegistry } from '../kernel/alarms.js';
import type { Series } from '../kernel/block.js';
import type { DiskMonitor } from '../kernel/disk-monitor.js';
import { configDigest, EventPublisher } from '../kernel/events/publisher.js';
import { AlarmForwarding } from '../kernel/fcaps/alarm-forwarding.js';
import type { RaidMonitor } from '../kernel/raid/raid-monitor.js';
import { tandemVersion } from '../kernel/version.js';
import { IngestGate } from './accounting/ingest-gate.js';
import { IpdrJobs, ipdrPlacement } from './accounting/ipdr/ipdr-jobs.js';
import { Ledger } from './accounting/ledger.js';
import { alarmIfAdminOpen } from './api/admin-exposure.js';
import { type AdminCommand, AdminServer } from './api/admin-server.js';
import { AuditLog } from './api/audit-log.js';
import { OperatorTokens } from './api/operators.js';
import type { NodeConfig } from './config/schema.js';
import { Delivery } from './delivery/delivery.js';
import { NodeMetrics } from './metrics/node-metrics.js';
import { startNodeDiskMonitors, startRaidMonitor } from './node-disks.js';
import { type CamStatus, type NodeParts, nodeStatus } from './node-status.js';
import { Database } from './replication/database.js';
import { prepareDatabase } from './replication/database-ready.js';
import { MemberHealthMonitor } from './replication/member-health.js';
import { type NodeFacts, RoleRuntime } from './role/role-runtime.js';

export class CamNode implements NodeFacts, NodeParts {
  readonly alarms: AlarmRegistry;
  readonly db: Database;
  readonly health: MemberHealthMonitor;
  readonly ingest: IngestGate;
  readonly role: RoleRuntime;
  readonly metrics: NodeMetrics;
  readonly events: EventPublisher;
  readonly fcaps: AlarmForwarding;
  private readonly ipdr: IpdrJobs | undefined;
  delivery: Delivery | undefined;
  private admin: AdminServer | undefined;
  disks: DiskMonitor[] = [];
  raid: RaidMonitor | undefined;
  readonly startedAt = new Date();
  /** start() has finished: the role loop runs (what `tandem ready` waits for). */
  started = false;

  constructor(
    readonly config: NodeConfig,
    private readonly log: Logger,
  ) {
    this.alarms = new AlarmRegistry(log);
    this.events = new EventPublisher(
      config.events,
      { component: 'cam', id: config.node.id },
      log.child({ part: 'events' }),
    );
    this.alarms.listen(this.events);
    this.fcaps = new AlarmForwarding(config.fcaps, { component: 'cam', id: config.node.id }, log);
    this.alarms.listen(this.fcaps);
    this.metrics = new NodeMetrics(config.node.id, tandemVersion(), this);
    this.db = new Database(config.database, log.child({ part: 'db' }), config.tls);
    this.health = new MemberHealthMonitor(
      this.db,
      config.database.healthIntervalMs,
      log.child({ part: 'health' }),
      config.database.healthTimeoutMs,
    );
    this.role = new RoleRuntime({
      config,
      db: this.db,
      health: this.health,
      events: this.events,
      alarms: this.alarms,
      log,
    });
    // With IPDR on, every ingest batch places its blocks into IPDR files in its own transaction.
    const placement = config.ipdr.enabled ? ipdrPlacement(config) : undefined;
    this.ingest = new IngestGate({
      config,
      db: this.db,
      // Every ingest batch commits under this node's tenure of the role lease.
      ledger: new Ledger(this.db, { nodeId: config.node.id, fence: this.role, placement }),
      // Journal replay restores blocks acknowledged earlier, in any tenure: it is never fenced,
      // and the planner places what it restores.
      replayLedger: new Ledger(this.db, { nodeId: config.node.id }),
      health: this.health,
      alarms: this.alarms,
      observer: this.metrics,
      log,
    });
    if (placement)
      this.ipdr = new IpdrJobs({
        placement,
        config,
        db: this.db,
        health: this.health,
        ingest: this.ingest,
        alarms: this.alarms,
        fence: this.role,
        observer: this.metrics,
        log,
      });
  }

  async start(): Promise<void> {
    const { config, log } = this;
    log.info({ version: tandemVersion() }, 'CAM node starting');
    this.events.start();
    this.fcaps.start();
    this.events.emit('process.started', { version: tandemVersion(), configDigest: configDigest(config) });
    this.admin = new AdminServer({
      listen: config.node.adminListen,
      node: this,
      alarms: this.alarms,
      metrics: this.metrics.registry,
      tokens: config.node.adminTokensFile ? new OperatorTokens(config.node.adminTokensFile) : undefined,
      audit: new AuditLog(config.node.dataDir),
      log: log.child({ part: 'api' }),
    });
    alarmIfAdminOpen(config.node, this.alarms);
    await this.admin.start();
    this.disks = await startNodeDiskMonitors(config, this.alarms, log);
    this.raid = await startRaidMonitor(config, this.alarms);
    await this.role.startBeforeDatabase(this);
    await prepareDatabase(this.db, this.alarms, log);
    await this.ingest.open(this.role);
    this.health.onChange((h) => this.onHealthChange(h.writable, h.reason));
    await this.health.checkNow();
    this.onHealthChange(this.health.health.writable, this.health.health.reason);
    this.health.start();
    if (this.ipdr)
      this.delivery = new Delivery({
        config,
        db: this.db,
        rendered: this.ipdr,
        node: this,
        alarms: this.alarms,
        observer: this.metrics,
        log: log.child({ part: 'delivery' }),
      });
    const jobs = this.delivery ? [this.delivery] : [];
    await this.role.startRole(this.ingest, jobs);
    this.ipdr?.start();
    this.delivery?.start();
    this.started = true;
    log.info({ accepting: this.refusal() === undefined, refusal: this.refusal() }, 'CAM node started');
  }

  async stop(): Promise<void> {
    this.ingest.beginShutdown();
    await this.role.stop(); // gives the lease up, closes the streams, drops the logical IP
    this.health.stop();
    for (const d of this.disks) d.stop();
    this.raid?.stop();
    await this.delivery?.stop();
    await this.ipdr?.stop();
    await this.ingest.close();
    await this.admin?.stop();
    await this.db.close();
    await this.role.stopMember();
    await this.events.close();
    await this.fcaps.close();
    this.log.info('CAM node stopped');
  }

  /** Why this node refuses blocks right now, or undefined when it accepts them. */
  refusal(): string | undefined {
    return this.ingest.refusal();
  }

  /** The active node: holding the role lease and accepting (it places IPDR records and delivers). */
  isActive(): boolean {
    return this.refusal() === undefined;
  }

  /** An operator command (CLI / admin API); throws with the reason when refused. */
  async command(c: AdminCommand): Promise<unknown> {
    return this.role.command(c);
  }

  accepting(): boolean {
    return this.isActive();
  }

  blocksStored(): number {
    return this.ingest.blocksStored;
  }

  renderedThrough(series: Series): number {
    return this.ipdr?.closedThrough(series) ?? 0;
  }

  status(): CamStatus {
    return nodeStatus(this);
  }

  private onHealthChange(writable: boolean, reason: string): void {
    if (!writable) this.delivery?.deactivate();
    this.ingest.onDatabaseChange(writable, reason);
  }
}
