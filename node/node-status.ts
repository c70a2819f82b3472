/**
 * The node's status: one projection of its parts, served by `GET /status` (`tandem status`) and read
 * by the metrics at every scrape. Reads only; the parts own their state.
 */
import type { AlarmRegistry } from '../kernel/alarms.js';
import type { DiskMonitor } from '../kernel/disk-monitor.js';
import type { EventPublisher } from '../kernel/events/publisher.js';
import type { AlarmForwarding } from '../kernel/fcaps/alarm-forwarding.js';
import type { RaidMonitor } from '../kernel/raid/raid-monitor.js';
import { tandemVersion } from '../kernel/version.js';
import type { IngestGate } from './accounting/ingest-gate.js';
import type { NodeConfig } from './config/schema.js';
import type { Delivery } from './delivery/delivery.js';
import type { MemberHealthMonitor } from './replication/member-health.js';
import type { RoleRuntime } from './role/role-runtime.js';

export interface NodeParts {
  config: NodeConfig;
  startedAt: Date;
  started: boolean;
  health: MemberHealthMonitor;
  ingest: IngestGate;
  role: RoleRuntime;
  disks: readonly DiskMonitor[];
  raid: RaidMonitor | undefined;
  delivery: Delivery | undefined;
  alarms: AlarmRegistry;
  events: EventPublisher;
  fcaps: AlarmForwarding;
}

export function nodeStatus(p: NodeParts) {
  const h = p.health.health;
  const refusal = p.ingest.refusal();
  return {
    node: {
      id: p.config.node.id,
      version: tandemVersion(),
      profile: p.config.profile || null,
      pid: process.pid,
      startedAt: p.startedAt.toISOString(),
      started: p.started,
      uptimeS: Math.round((Date.now() - p.startedAt.getTime()) / 1000),
    },
    accepting: refusal === undefined,
    refusal: refusal ?? null,
    database: {
      writable: h.writable,
      reason: h.reason || null,
      clusterStatus: h.status?.clusterStatus ?? null,
      clusterSize: h.status?.clusterSize ?? null,
      localState: h.status?.localState ?? null,
      checkedAt: h.checkedAt ? new Date(h.checkedAt).toISOString() : null,
    },
    listeners: {
      host: p.config.cam.ipAddress,
      primaryPort: p.config.cam.primaryPort,
      recoveryPort: p.config.cam.recoveryPort,
    },
    ...p.ingest.status(),
    disks: p.disks.map((d) => ({ what: d.what, usedPercent: Number(d.usedPercent.toFixed(1)) })),
    raid: p.raid ? { arrays: p.raid.arrays } : null,
    active: refusal === undefined,
    ...p.role.status(),
    delivery: p.delivery?.enabled ? p.delivery.status() : null,
    alarms: p.alarms.list(),
    events: p.events.status(),
    fcaps: p.fcaps.status(),
  };
}

export type CamStatus = ReturnType<typeof nodeStatus>;
