/**
 * Who is active, for every node: the role lease in the replicated database (role manager). It
 * decides whether the node may ack (`refusal()`, the fence of ingest and IPDR planning commits),
 * plan IPDR files and deliver to the OSS. A single node runs it with no peer and no logical IP; in a
 * pair (pair.enabled) it adds the heartbeat to the peer, the logical IP (VIP driver) and, with
 * galera.managed, this server's own Galera member.
 *
 * When the node gives the role up it tells the ingest gate (close streams and, if the VIP gates
 * them, listeners) and the jobs only the active node runs (`ActiveJobs`).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AlarmRegistry } from '../../kernel/alarms.js';
import type { EventData } from '../../kernel/events/event.js';
import type { EventPublisher } from '../../kernel/events/publisher.js';
import { sleep } from '../../kernel/process.js';
import { tandemVersion } from '../../kernel/version.js';
import type { IngestGate } from '../accounting/ingest-gate.js';
import type { Fence, FenceSource } from '../accounting/ledger.js';
import type { AdminCommand } from '../api/admin-server.js';
import type { NodeConfig } from '../config/schema.js';
import { type Beat, Heartbeat } from '../heartbeat/heartbeat.js';
import { decideMemberStart, type MemberStart, type PeerMember } from '../replication/bootstrap.js';
import type { Database } from '../replication/database.js';
import { ManagedMember } from '../replication/managed-member.js';
import type { MemberHealthMonitor } from '../replication/member-health.js';
import { IprouteVip, KeepalivedVip, LocalVip, NoVip, type VipDriver } from '../vip/vip-driver.js';
import { LeaseStore } from './lease-store.js';
import type { Command } from './role-machine.js';
import { RoleManager } from './role-manager.js';

/** What the peer learns about this node beyond its role (see Beat). */
export interface NodeFacts {
  accepting(): boolean;
  blocksStored(): number;
  renderedThrough(series: 'primary' | 'recovery'): number;
}

/** Work only the active node does; stopped when the address goes. */
export interface ActiveJobs {
  deactivate(): void;
}

export interface PairDeps {
  config: NodeConfig;
  db: Database;
  health: MemberHealthMonitor;
  /** Role changes and accepted operator commands are published as events. */
  events: Pick<EventPublisher, 'emit'>;
  /** The heartbeat raises PeerVersionIncompatible here. */
  alarms: Pick<AlarmRegistry, 'raise' | 'clear'>;
  log: Logger;
}

export class RoleRuntime implements FenceSource {
  readonly role: RoleManager;
  readonly vip: VipDriver;
  private heartbeat: Heartbeat | undefined;
  private ingest: IngestGate | undefined;
  private jobs: ActiveJobs[] = [];
  /** galera.managed: this node's own Galera member, and how it was (or will be) started. */
  private readonly member: ManagedMember | undefined;
  private memberDecision: MemberStart | undefined;
  private memberWatchdog: NodeJS.Timeout | undefined;
  private memberRestarting = false;
  private stopping = false;

  constructor(private readonly d: PairDeps) {
    const { config, log } = d;
    const p = config.pair;
    this.role = new RoleManager(
      new LeaseStore(d.db, `cam-active:${config.cam.ipAddress}`, config.node.id, p.leaseTtlMs),
      {
        nodeId: config.node.id,
        leaseTtlMs: p.leaseTtlMs,
        demoteAfterMs: p.demoteAfterMs,
        holdOffMs: p.holdOffMs,
        stallGraceMs: p.stallGraceMs,
      },
      p.tickMs,
      {
        readiness: () => this.ingest?.readiness() ?? { ready: false, reason: 'starting' },
        drained: () => this.ingest?.drained ?? true,
        peer: () =>
          this.heartbeat
            ? {
                id: p.peerId,
                healthyStandby: this.heartbeat.healthyStandby(),
                versionProblem: this.heartbeat.versionProblem,
                active: this.heartbeat.aliveActive(),
              }
            : null,
        onHold: (deadlineMs) => this.vip.holdUntil(deadlineMs),
        onAddressChange: (holds, state) => this.onAddressChange(holds, state.reason),
        onRoleChange: (change) => d.events.emit('role.changed', change),
        onCommandAccepted: (c) => d.events.emit('command.accepted', commandEvent(c)),
      },
      log.child({ part: 'role' }),
    );
    this.vip = p.enabled ? vipDriver(config, log.child({ part: 'vip' })) : new NoVip();
    if (p.enabled && config.galera.managed)
      this.member = new ManagedMember(
        config.galera,
        config.node.id,
        p.peerId,
        log.child({ part: 'galera' }),
        config.tls,
      );
  }

  /**
   * Before the database: beats first (the peer's view decides how the own Galera member starts),
   * then the own member.
   */
  async startBeforeDatabase(facts: NodeFacts): Promise<void> {
    const { pair } = this.d.config;
    if (!pair.enabled) return;
    this.heartbeat = new Heartbeat({
      listen: pair.heartbeatListen,
      peerId: pair.peerId,
      peerAddress: pair.peerHeartbeat,
      intervalMs: pair.heartbeatIntervalMs,
      misses: pair.heartbeatMisses,
      ownBeat: () => this.beat(facts),
      version: tandemVersion(),
      alarms: this.d.alarms,
      tls: this.d.config.tls,
      log: this.d.log.child({ part: 'heartbeat' }),
    });
    await this.heartbeat.start();
    if (this.member) {
      await this.startOwnMember();
      this.memberWatchdog = setInterval(() => void this.watchOwnMember(), 1000);
    }
  }

  /** Once ingest is open: the address follows the role from now on. */
  async startRole(ingest: IngestGate, jobs: ActiveJobs[]): Promise<void> {
    this.ingest = ingest;
    this.jobs = jobs;
    await this.vip.start();
    if (!this.vip.gatesListeners && !(await ingest.openListeners())) void ingest.keepOpeningListeners();
    this.role.start();
  }

  /** For the ingest gate: a node in a pair acks only while it holds the role lease. */
  refusal(): string | undefined {
    const r = this.role;
    if (r.acking()) return undefined;
    return r.state.role === 'active' ? r.reason() : `not the active node (${r.reason()})`;
  }

  /** The tenure ingest commits under (Ledger fencing): the role lease while this node acks. */
  current(): Fence | null {
    const r = this.role;
    if (!r.lease || r.lease.owner !== this.d.config.node.id || !r.acking()) return null;
    return { leaseName: r.leaseName, owner: r.lease.owner, epoch: r.lease.epoch };
  }

  /** An operator command (CLI / admin API); throws with the reason when refused. */
  async command(c: AdminCommand): Promise<unknown> {
    const { pair, node } = this.d.config;
    if (!pair.enabled) throw new Error(`${node.id} is a single node (pair.enabled is false)`);
    if (c.kind === 'switchover' && c.to === '') c = { kind: 'switchover', to: pair.peerId };
    if (c.kind === 'restore') {
      const preferred = pair.preferred;
      if (!preferred) throw new Error('restore refused: pair.preferred is not set');
      if (preferred === node.id) {
        if (this.role.state.role === 'active')
          throw new Error(`restore refused: ${preferred} is already active`);
        throw new Error(
          `restore refused: run it on the active node (${preferred} is ${this.role.state.role})`,
        );
      }
      return this.role.command({ kind: 'switchover', to: preferred, restore: true });
    }
    return this.role.command(c);
  }

  /** Gives the lease up (the peer need not wait for it to expire), then beats and the address. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.memberWatchdog);
    await this.role.stop(); // closes the listeners and drops the logical IP on the way
    await this.heartbeat?.stop();
    await this.vip.stop().catch(() => undefined);
  }

  /** After the database connections are closed. */
  async stopMember(): Promise<void> {
    await this.member?.stop();
  }

  status() {
    const r = this.role;
    return {
      role: {
        role: r.state.role,
        acking: r.acking(),
        reason: r.state.reason,
        since: new Date(r.state.sinceMs).toISOString(),
        maintenance: r.state.maintenance,
        preferred: this.d.config.pair.preferred || null,
        lease: r.lease
          ? { owner: r.lease.owner, epoch: r.lease.epoch, expiresInMs: r.lease.expiresAtMs - Date.now() }
          : null,
        history: r.history.slice(-10).map((h) => ({ ...h, at: new Date(h.atMs).toISOString() })),
        addressHistory: r.addressHistory
          .slice(-10)
          .map((h) => ({ ...h, at: new Date(h.atMs).toISOString() })),
        demotions: r.counters.demotions,
        stallsRidden: r.counters.stallsRidden,
      },
      peer: this.heartbeat
        ? {
            ...this.heartbeat.peer,
            refusedBeats: this.heartbeat.refusedBeats,
            versionProblem: this.heartbeat.versionProblem ?? null,
            lastRefusal: this.heartbeat.lastRefusal,
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
    };
  }

  /**
   * The node took (or must give up) the logical IP: move it and open or close the DTP listeners.
   * LAM streams to a node that lost the role are closed at once, so LAMs reconnect to the logical
   * IP — now on the other node.
   */
  private async onAddressChange(holds: boolean, reason: string): Promise<void> {
    const ingest = this.ingest!;
    const log = this.d.log;
    if (holds) {
      try {
        await this.vip.up();
      } catch (err) {
        ingest.listenersFailed(err);
        await this.vip.down().catch(() => undefined);
        return;
      }
      // E.g. EADDRINUSE while a frozen predecessor still holds the socket: never exit for it. The
      // gate is not ready until the retry time, so the role manager fences this node at its next
      // tick (the lease is not renewed and passes on); then it tries again. (Listeners the VIP does
      // not gate are open already: this only clears an earlier failure.)
      if (await ingest.openListeners())
        log.info({ vip: this.vip.status() }, 'active: accepting blocks on the logical IP');
      else await this.vip.down().catch(() => undefined);
      return;
    }
    ingest.closeAllStreams(reason || 'this node is not active');
    for (const j of this.jobs) j.deactivate();
    if (this.vip.gatesListeners) await ingest.closeListeners();
    await this.vip
      .down()
      .catch((err) => log.error({ err: (err as Error).message }, 'could not drop the logical IP'));
    log.info({ reason }, 'not active: logical IP released');
  }

  /** What the peer learns from each heartbeat. */
  private beat(facts: NodeFacts): Beat {
    const r = this.role;
    return {
      node_id: this.d.config.node.id,
      role: r.state.role,
      acking: facts.accepting(),
      epoch: r.lease?.epoch ?? 0,
      lease_owner: r.lease?.owner ?? '',
      db_writable: this.d.health.health.writable,
      reason: r.state.reason,
      blocks_stored: facts.blocksStored(),
      rendered_primary: facts.renderedThrough('primary'),
      rendered_recovery: facts.renderedThrough('recovery'),
      admin_listen: this.d.config.node.adminListen,
      sent_at_ms: Date.now(),
      version: tandemVersion(),
      ...this.memberBeat(),
    };
  }

  private memberBeat() {
    const m = this.member;
    const h = this.d.health.health;
    const primary = h.status?.clusterStatus === 'Primary' && h.writable;
    const state = m?.state === 'down' ? 'down' : primary ? 'primary' : 'starting';
    const rec = m?.recorded;
    return {
      member_state: state,
      member_uuid: rec?.uuid ?? '',
      member_seqno: rec?.seqno ?? -1,
      member_safe_to_bootstrap: rec?.safeToBootstrap ?? false,
    };
  }

  /** The own member died while the node runs: start it again (it rejoins the peer by IST). */
  private async watchOwnMember(): Promise<void> {
    const m = this.member;
    if (!m || this.stopping || this.memberRestarting || m.state === 'down' || m.alive()) return;
    this.memberRestarting = true;
    this.d.log.error('the Galera member died; starting it again');
    m.markDown();
    try {
      await this.startOwnMember();
    } catch (err) {
      this.d.log.error({ err: (err as Error).message }, 'could not start the Galera member again');
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
    const { node, pair, galera } = this.d.config;
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
        this.d.log.info({ decision: this.memberDecision }, 'starting the Galera member');
        m.start(this.memberDecision.action);
        return;
      }
      if (i % 20 === 0)
        this.d.log.warn({ reason: this.memberDecision.why }, 'waiting to start the Galera member');
      await sleep(500);
    }
  }
}

function vipDriver(config: NodeConfig, log: Logger): VipDriver {
  const { vip, cam, node, pair } = config;
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

function commandEvent(c: Command): EventData<'command.accepted'> {
  switch (c.kind) {
    case 'switchover':
      return { command: c.restore ? 'restore' : 'switchover', to: c.to };
    case 'maintenance':
      return { command: 'maintenance', on: c.on };
    default:
      return { command: c.kind };
  }
}
