/**
 * One CAM node: database, journal, ingest and the DTP listeners, composed. It acknowledges a block
 * only while its database member is writable (Primary, ready, synced) and its journal has been
 * replayed since the member last became writable.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { DtpServer } from './accounting/dtp-server.js';
import { conflictReason, GroupCommitter } from './accounting/ingest.js';
import { recorderId } from './accounting/ipdr/document.js';
import { IpdrPlanner, IpdrRenderer, LEASE_TTL_MS } from './accounting/ipdr/ledger-ipdr.js';
import { Journal } from './accounting/journal.js';
import { JournalCheckpoint } from './accounting/journal-checkpoint.js';
import { LamRegistry } from './accounting/lam-registry.js';
import { type Fence, Ledger } from './accounting/ledger.js';
import { JournalQuarantine } from './accounting/quarantine.js';
import { type ReplayReport, replayJournal } from './accounting/replay.js';
import { AlarmRegistry } from './alarms/alarms.js';
import { DiskMonitor, deviceOf } from './alarms/disk-monitor.js';
import { type AdminCommand, AdminServer } from './api/admin-server.js';
import { sleep } from './common/process.js';
import { tandemVersion } from './common/version.js';
import type { NodeConfig } from './config/schema.js';
import { Delivery } from './delivery/delivery.js';
import { type Beat, Heartbeat } from './heartbeat/heartbeat.js';
import { decideMemberStart, type MemberStart, type PeerMember } from './replication/bootstrap.js';
import { Database, isRejectedForGood } from './replication/database.js';
import { describeDbError } from './replication/db-errors.js';
import { ManagedMember } from './replication/managed-member.js';
import { MemberHealthMonitor } from './replication/member-health.js';
import { migrate } from './replication/migrations.js';
import { RoleManager } from './role/role-manager.js';
import { IprouteVip, KeepalivedVip, LocalVip, NoVip, type VipDriver } from './vip/vip-driver.js';

export const ALARM_DB_NOT_WRITABLE = 'DatabaseNotWritable';
export const ALARM_JOURNAL_FAILURE = 'JournalWriteFailure';
export const ALARM_JOURNAL_CORRUPT = 'JournalCorrupt';
export const ALARM_JOURNAL_QUARANTINED = 'JournalRecordQuarantined';
export const ALARM_DISK_MAJOR = 'DiskMajorAlarm';
export const ALARM_DISK_CRITICAL = 'DiskCriticalAlarm';
export const ALARM_IPDR_FAILURE = 'IpdrRenderFailure';
export const ALARM_LISTEN_FAILURE = 'DtpListenFailure';
export const ALARM_SEQUENCE_CONFLICT = 'LamSequenceConflict';

export class CamNode {
  readonly alarms: AlarmRegistry;
  readonly db: Database;
  readonly ledger: Ledger;
  private readonly replayLedger: Ledger;
  readonly health: MemberHealthMonitor;
  private journal: Journal | undefined;
  private committer: GroupCommitter | undefined;
  private dtp: DtpServer | undefined;
  private admin: AdminServer | undefined;
  private replaying = false;
  private needsReplay = true;
  private lastReplay: ReplayReport | undefined;
  private replayError: string | undefined;
  /** Failed attempts to open the DTP listeners, and when to try again. */
  private listen = { failures: 0, retryAtMs: 0, error: '' };
  private quarantine: JournalQuarantine | undefined;
  private checkpoint: JournalCheckpoint | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly disks: DiskMonitor[] = [];
  private planner: IpdrPlanner | undefined;
  private renderer: IpdrRenderer | undefined;
  private ipdrTimer: NodeJS.Timeout | undefined;
  private ipdrRunning = false;
  /** Until when this node holds the job lease (planner, delivery): the active node. */
  private activeUntilMs = 0;
  private delivery: Delivery | undefined;
  /** The pair (pair.enabled): role lease, heartbeat, logical IP. */
  readonly role: RoleManager | undefined;
  private heartbeat: Heartbeat | undefined;
  private vip: VipDriver = new NoVip();
  /** galera.managed: this node's own Galera member, and how it was (or will be) started. */
  private member: ManagedMember | undefined;
  private memberDecision: MemberStart | undefined;
  private memberWatchdog: NodeJS.Timeout | undefined;
  private memberRestarting = false;
  readonly startedAt = new Date();

  constructor(
    readonly config: NodeConfig,
    private readonly log: Logger,
  ) {
    this.alarms = new AlarmRegistry(log);
    this.db = new Database(config.database, log.child({ part: 'db' }));
    // Journal replay restores blocks acknowledged earlier, in any tenure: it is never fenced.
    this.replayLedger = new Ledger(this.db, config.node.id);
    this.ledger = config.pair.enabled
      ? new Ledger(this.db, config.node.id, { current: () => this.fence() })
      : this.replayLedger;
    this.health = new MemberHealthMonitor(
      this.db,
      config.database.healthIntervalMs,
      log.child({ part: 'health' }),
    );
    if (config.pair.enabled) {
      const p = config.pair;
      this.role = new RoleManager(
        this.db,
        `cam-active:${config.cam.ipAddress}`,
        {
          nodeId: config.node.id,
          leaseTtlMs: p.leaseTtlMs,
          demoteAfterMs: p.demoteAfterMs,
          holdOffMs: p.holdOffMs,
          stallGraceMs: p.stallGraceMs,
        },
        p.tickMs,
        {
          readiness: () => this.readiness(),
          drained: () => this.committer?.isIdle ?? true,
          peer: () =>
            this.heartbeat
              ? {
                  id: p.peerId,
                  healthyStandby: this.heartbeat.healthyStandby(),
                  active: this.heartbeat.aliveActive(),
                }
              : null,
          onHold: (deadlineMs) => this.vip.holdUntil(deadlineMs),
          onAddressChange: (holds, state) => this.onAddressChange(holds, state.reason),
        },
        log.child({ part: 'role' }),
      );
      this.vip = this.vipDriver();
      if (config.galera.managed)
        this.member = new ManagedMember(
          config.galera,
          config.node.id,
          p.peerId,
          log.child({ part: 'galera' }),
        );
    }
  }

  /** The own member died while the node runs: start it again (it rejoins the peer by IST). */
  private async watchOwnMember(): Promise<void> {
    const m = this.member;
    if (!m || this.stopping || this.memberRestarting || m.state === 'down' || m.alive()) return;
    this.memberRestarting = true;
    this.log.error('the Galera member died; starting it again');
    m.markDown();
    try {
      await this.startOwnMember();
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'could not start the Galera member again');
    } finally {
      this.memberRestarting = false;
    }
  }

  /**
   * Starts this server's Galera member: adopt one left running, else join the peer's Primary
   * component, or bootstrap when both are down and the recorded state says this member is the most
   * recent; wait while the peer cannot be asked (decideMemberStart).
   */
  private async startOwnMember(): Promise<void> {
    const m = this.member!;
    if (m.prepare()) return;
    const { node, pair, galera } = this.config;
    for (let i = 0; ; i++) {
      if (this.stopping) throw new Error('stopped while waiting to start the Galera member');
      const self = await m.recordedState();
      const b = this.heartbeat?.peer.alive ? this.heartbeat.peer.lastBeat : null;
      const peer = b
        ? {
            id: pair.peerId,
            member: {
              state: (['down', 'starting', 'primary'].includes(b.member_state)
                ? b.member_state
                : 'starting') as PeerMember['state'],
              uuid: b.member_uuid || null,
              seqno: b.member_seqno >= 0 ? b.member_seqno : null,
              safeToBootstrap: b.member_safe_to_bootstrap,
            },
          }
        : undefined;
      this.memberDecision = decideMemberStart({
        self: { id: node.id, ...self },
        peer,
        bootstrapAlone: galera.bootstrapAlone,
      });
      if (this.memberDecision.action !== 'wait') {
        this.log.info({ decision: this.memberDecision }, 'starting the Galera member');
        m.start(this.memberDecision.action);
        return;
      }
      if (i % 20 === 0) this.log.warn({ why: this.memberDecision.why }, 'waiting to start the Galera member');
      await sleep(500);
    }
  }

  private vipDriver(): VipDriver {
    const { vip, cam, node, pair } = this.config;
    const log = this.log.child({ part: 'vip' });
    switch (vip.driver) {
      case 'local':
        return new LocalVip(cam.ipAddress);
      case 'iproute':
        return new IprouteVip(vip.interface, cam.ipAddress, vip.prefixLength, log);
      case 'keepalived':
        return new KeepalivedVip(
          {
            nodeId: node.id,
            interface: vip.interface,
            virtualRouterId: vip.virtualRouterId,
            priority: pair.preferred === node.id ? vip.priority : Math.max(1, vip.priority - 10),
            advertIntervalS: vip.advertIntervalMs / 1000,
            sourceIp: vip.sourceIp,
            peerIp: vip.peerIp,
            logicalIp: cam.ipAddress,
            prefixLength: vip.prefixLength,
            trackFile: join(node.dataDir, 'keepalived', 'role'),
            sentinelTrackFile: join(node.dataDir, 'keepalived', 'sentinel'),
          },
          join(node.dataDir, 'keepalived'),
          log,
        );
      default:
        return new NoVip();
    }
  }

  /** Database writable and journal replayed: the node could ack if it held the role. */
  private readiness(): { ready: boolean; reason: string } {
    if (this.stopping) return { ready: false, reason: 'CAM is shutting down' };
    const h = this.health.health;
    if (!h.writable) return { ready: false, reason: h.reason };
    if (this.replaying || this.needsReplay) return { ready: false, reason: this.replayRefusal() };
    // Not ready only until the retry time: the role manager must be able to take the role again.
    if (Date.now() < this.listen.retryAtMs) return { ready: false, reason: this.listenRefusal() };
    return { ready: true, reason: '' };
  }

  /**
   * The node took (or must give up) the logical IP: move it and open or close the DTP listeners. LAM streams to a node that lost the role are closed at once, so LAMs reconnect
   * to the logical IP — now on the other node.
   */
  private async onAddressChange(holds: boolean, reason: string): Promise<void> {
    if (holds) {
      try {
        await this.vip.up();
        if (this.vip.gatesListeners) await this.dtp?.start();
        this.listenOk();
        this.log.info({ vip: this.vip.status() }, 'active: accepting blocks on the logical IP');
      } catch (err) {
        // E.g. EADDRINUSE while a frozen predecessor still holds the socket: never exit for it.
        // Not ready until the retry time, so the role manager fences this node at its next tick
        // (the lease is not renewed and passes on); then it tries again.
        this.listenFailed(err);
        if (this.vip.gatesListeners) await this.dtp?.stop().catch(() => undefined);
        await this.vip.down().catch(() => undefined);
      }
      return;
    }
    this.dtp?.closeAllStreams(reason || 'this node is not active');
    this.delivery?.deactivate();
    if (this.vip.gatesListeners) await this.dtp?.stop();
    await this.vip
      .down()
      .catch((err) => this.log.error({ err: (err as Error).message }, 'could not drop the logical IP'));
    this.log.info({ reason }, 'not active: logical IP released');
  }

  private listenFailed(err: unknown): void {
    const l = this.listen;
    l.failures++;
    const delay = Math.min(30_000, 500 * 2 ** (l.failures - 1));
    l.retryAtMs = Date.now() + delay;
    l.error = (err as Error).message;
    this.alarms.raise(
      ALARM_LISTEN_FAILURE,
      'critical',
      `${l.error} (attempt ${l.failures}; next in ${delay} ms)`,
    );
    this.log.error(
      { err: l.error, failures: l.failures, retryInMs: delay },
      'DTP listeners could not be opened',
    );
  }

  private listenOk(): void {
    if (this.listen.failures > 0) this.alarms.clear(ALARM_LISTEN_FAILURE, 'DTP listeners open');
    this.listen = { failures: 0, retryAtMs: 0, error: '' };
  }

  /** Listeners that stay open (single node, `none` VIP): true once they are. */
  private async openListeners(): Promise<boolean> {
    try {
      await this.dtp!.start();
      this.listenOk();
      return true;
    } catch (err) {
      this.listenFailed(err);
      await this.dtp!.stop().catch(() => undefined);
      return false;
    }
  }

  /** A failed bind is retried with backoff, never fatal (status and DtpListenFailure say why). */
  private async retryListeners(): Promise<void> {
    while (!this.stopping) {
      await sleep(Math.max(0, this.listen.retryAtMs - Date.now()));
      if (this.stopping || (await this.openListeners())) return;
    }
  }

  /** An operator command (CLI / admin API); throws with the reason when refused. */
  async command(c: AdminCommand): Promise<unknown> {
    if (!this.role) throw new Error(`${this.config.node.id} is a single node (pair.enabled is false)`);
    if (c.kind === 'switchover' && c.to === '') c = { kind: 'switchover', to: this.config.pair.peerId };
    if (c.kind === 'restore') {
      const preferred = this.config.pair.preferred;
      if (!preferred) throw new Error('restore refused: pair.preferred is not set');
      if (preferred === this.config.node.id) {
        if (this.role.state.role === 'active')
          throw new Error(`restore refused: ${preferred} is already active`);
        throw new Error(
          `restore refused: run it on the active node (${preferred} is ${this.role.state.role})`,
        );
      }
      return this.role.command({ kind: 'switchover', to: preferred });
    }
    return this.role.command(c);
  }

  /** The tenure ingest commits under (Ledger fencing): the role lease while this node acks. */
  private fence(): Fence | null {
    const r = this.role;
    if (!r?.lease || r.lease.owner !== this.config.node.id || !r.acking()) return null;
    return { leaseName: r.leaseName, owner: r.lease.owner, epoch: r.lease.epoch };
  }

  /** Why this node refuses blocks right now, or undefined when it accepts them. */
  refusal(): string | undefined {
    if (this.stopping) return 'CAM is shutting down';
    const h = this.health.health;
    if (!h.writable) return h.reason;
    if (this.replaying || this.needsReplay) return this.replayRefusal();
    if (this.listen.failures > 0) return this.listenRefusal();
    if (this.role && !this.role.acking())
      return this.role.state.role === 'active'
        ? this.role.reason()
        : `not the active node (${this.role.reason()})`;
    return undefined;
  }

  private listenRefusal(): string {
    return `DTP listeners could not be opened: ${this.listen.error}`;
  }

  private replayRefusal(): string {
    return this.replayError
      ? `CAM is replaying its journal into the ledger (last attempt: ${this.replayError})`
      : 'CAM is replaying its journal into the ledger';
  }

  /**
   * The active node: accepting blocks and holding the job lease (IPDR planning, OSS delivery).
   * The lease expires on its own when this node stops renewing it (crash, lost Primary).
   */
  isActive(): boolean {
    if (this.role) return this.refusal() === undefined;
    return this.refusal() === undefined && Date.now() < this.activeUntilMs;
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
    await this.startDiskMonitors();
    if (this.role) {
      // Beats first: the peer's view decides how the own Galera member starts.
      this.heartbeat = new Heartbeat({
        listen: config.pair.heartbeatListen,
        peerId: config.pair.peerId,
        peerAddress: config.pair.peerHeartbeat,
        intervalMs: config.pair.heartbeatIntervalMs,
        misses: config.pair.heartbeatMisses,
        ownBeat: () => this.beat(),
        log: log.child({ part: 'heartbeat' }),
      });
      await this.heartbeat.start();
    }
    if (this.member) {
      await this.startOwnMember();
      this.memberWatchdog = setInterval(() => void this.watchOwnMember(), 1000);
    }
    await this.waitForDatabase();
    for (let attempt = 1; ; attempt++) {
      try {
        await migrate(this.db, log);
        break;
      } catch (err) {
        // A member that just joined can still refuse statements for a moment (1047).
        if (attempt >= 10) throw err;
        log.warn({ attempt, err: (err as Error).message }, 'schema migration failed; retrying');
        await sleep(1000);
      }
    }
    this.journal = await Journal.open(
      join(config.node.dataDir, 'journal'),
      config.journal,
      log.child({ part: 'journal' }),
    );
    this.quarantine = await JournalQuarantine.open(this.journal.dir);
    this.checkpoint = new JournalCheckpoint(this.journal.dir, this.db, config.node.id);
    this.raiseQuarantineAlarm();
    this.checkpointTimer = setInterval(
      () => void this.extendCheckpoint(),
      config.journal.checkpointIntervalMs,
    );
    this.committer = new GroupCommitter(
      this.journal,
      this.ledger,
      {
        maxBatchBlocks: config.ingest.maxBatchBlocks,
        isRejectedForGood,
        describe: describeDbError,
        onBatchError: (err) => this.onBatchError(err),
        onBatchStored: () => this.alarms.clear(ALARM_JOURNAL_FAILURE, 'journal writes succeed again'),
        // Stays raised: only an operator can tell a reinstalled LAM from a second host or a forger.
        onSequenceConflict: (block) =>
          this.alarms.raise(ALARM_SEQUENCE_CONFLICT, 'major', conflictReason(block)),
      },
      log.child({ part: 'ingest' }),
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
      highestStoredSeq: (lamId) => this.ledger!.highestSeq(lamId),
      log: log.child({ part: 'dtp' }),
    });
    if (this.role) {
      await this.vip.start();
      if (!this.vip.gatesListeners && !(await this.openListeners())) void this.retryListeners();
      this.role.start();
    } else if (!(await this.openListeners())) {
      void this.retryListeners();
    }
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
    clearInterval(this.memberWatchdog);
    clearInterval(this.checkpointTimer);
    await this.role?.stop(); // gives the lease up, closes the listeners, drops the logical IP
    await this.heartbeat?.stop();
    await this.vip.stop().catch(() => undefined);
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
    await this.member?.stop();
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
      journal: {
        dir: this.journal?.dir ?? null,
        lastReplay: this.lastReplay
          ? { ...this.lastReplay, quarantined: this.lastReplay.quarantined.length }
          : null,
        replayError: this.replayError ?? null,
        quarantined: this.quarantine?.count ?? 0,
        recentlyQuarantined: this.quarantine?.recent(5) ?? [],
      },
      disks: this.disks.map((d) => ({ what: d.what, usedPercent: Number(d.usedPercent.toFixed(1)) })),
      active: this.isActive(),
      role: this.role
        ? {
            role: this.role.state.role,
            acking: this.role.acking(),
            reason: this.role.state.reason,
            since: new Date(this.role.state.sinceMs).toISOString(),
            maintenance: this.role.state.maintenance,
            preferred: this.config.pair.preferred || null,
            lease: this.role.lease
              ? {
                  owner: this.role.lease.owner,
                  epoch: this.role.lease.epoch,
                  expiresInMs: this.role.lease.expiresAtMs - Date.now(),
                }
              : null,
            history: this.role.history.slice(-10).map((h) => ({ ...h, at: new Date(h.atMs).toISOString() })),
            demotions: this.role.counters.demotions,
            stallsRidden: this.role.counters.stallsRidden,
          }
        : null,
      peer: this.heartbeat
        ? {
            ...this.heartbeat.peer,
            lastBeatAgoMs: this.heartbeat.peer.lastBeatAtMs
              ? Date.now() - this.heartbeat.peer.lastBeatAtMs
              : null,
          }
        : null,
      vip: this.vip.status(),
      galera: this.member
        ? {
            managed: true,
            state: this.member.state,
            decision: this.memberDecision ?? null,
            recorded: this.member.recorded ?? null,
          }
        : { managed: false },
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
        const { leased } = await this.planner!.round(startedAt, 2000, this.role !== undefined);
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

  /** What the peer learns from each heartbeat. */
  private beat(): Beat {
    const r = this.role;
    return {
      node_id: this.config.node.id,
      role: r?.state.role ?? 'active',
      acking: this.refusal() === undefined,
      epoch: r?.lease?.epoch ?? 0,
      lease_owner: r?.lease?.owner ?? '',
      db_writable: this.health.health.writable,
      reason: r?.state.reason ?? '',
      blocks_stored: this.committer?.stats.blocksStored ?? 0,
      rendered_primary: this.renderer?.closedThrough('primary') ?? 0,
      rendered_recovery: this.renderer?.closedThrough('recovery') ?? 0,
      admin_listen: this.config.node.adminListen,
      sent_at_ms: Date.now(),
      version: tandemVersion(),
      ...this.memberBeat(),
    };
  }

  private memberBeat() {
    const m = this.member;
    const primary = this.health.health.status?.clusterStatus === 'Primary' && this.health.health.writable;
    const state = !m
      ? primary
        ? 'primary'
        : 'starting'
      : m.state === 'down'
        ? 'down'
        : primary
          ? 'primary'
          : 'starting';
    const r = m?.recorded;
    return {
      member_state: state,
      member_uuid: r?.uuid ?? '',
      member_seqno: r?.seqno ?? -1,
      member_safe_to_bootstrap: r?.safeToBootstrap ?? false,
    };
  }

  /** Until the member answers and is ready for application use (a joining member is not). */
  private async waitForDatabase(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const rows: { Value: string }[] = await this.db.query("SHOW GLOBAL STATUS LIKE 'wsrep_ready'");
        if (rows[0] && rows[0].Value !== 'ON') throw new Error('member not ready yet (wsrep_ready is OFF)');
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
    if (!this.journal || !this.quarantine || !this.checkpoint) return;
    this.replaying = true;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.committer?.idle();
          this.lastReplay = await replayJournal({
            journal: this.journal,
            ledger: this.replayLedger,
            quarantine: this.quarantine,
            checkpoint: this.checkpoint,
            isRejectedForGood,
            log: this.log.child({ part: 'replay' }),
          });
          this.replayError = undefined;
          if (this.lastReplay.corruptSegments.length > 0) {
            this.alarms.raise(
              ALARM_JOURNAL_CORRUPT,
              'minor',
              `journal segments with a corrupt record: ${this.lastReplay.corruptSegments.join(', ')}`,
            );
          }
          this.raiseQuarantineAlarm();
          await this.journal.prune();
          this.needsReplay = false;
          return;
        } catch (err) {
          // Named in the refusal LAMs get and in status: which segment and block, and why.
          this.replayError = describeDbError(err);
          this.log.warn({ attempt, err: this.replayError }, 'journal replay failed; retrying');
          if (this.stopping) return;
          await sleep(Math.min(5000, 250 * attempt));
        }
      }
    } finally {
      this.replaying = false;
    }
  }

  private raiseQuarantineAlarm(): void {
    const q = this.quarantine;
    if (!q || q.count === 0) return;
    const last = q.recent(1)[0]!;
    this.alarms.raise(
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
    if (!journal || !checkpoint || this.replaying || this.needsReplay || !this.health.health.writable) return;
    const sealed = await journal.earlierSegments();
    if (checkpoint.covers(sealed)) return;
    await checkpoint
      .extend(sealed)
      .catch((err) => this.log.warn({ err: describeDbError(err) }, 'journal checkpoint not extended'));
  }

  private onBatchError(err: unknown): void {
    const e = err as NodeJS.ErrnoException;
    if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code) && e.syscall) {
      this.alarms.raise(ALARM_JOURNAL_FAILURE, 'critical', `journal write failed: ${e.message}`);
    }
  }
}
