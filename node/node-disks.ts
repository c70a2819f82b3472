/**
 * The server's storage: Table 2's disk thresholds on the accounting partition (DiskMajorAlarm /
 * DiskCriticalAlarm), on the journal's when it is another filesystem (JournalDiskMajor /
 * JournalDiskCritical), on each partition of `server.partitions` (PartitionMajor.<name> /
 * PartitionCritical.<name>), and the RAID arrays of `server.raid` (kernel/raid/raid-monitor.ts).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AlarmRegistry } from '../kernel/alarms.js';
import { DiskMonitor, deviceOf } from '../kernel/disk-monitor.js';
import { RaidMonitor } from '../kernel/raid/raid-monitor.js';
import type { NodeConfig } from './config/schema.js';

export const ALARM_DISK_MAJOR = 'DiskMajorAlarm';
export const ALARM_DISK_CRITICAL = 'DiskCriticalAlarm';

/** Checked once, then every second until stopped. */
export async function startNodeDiskMonitors(
  config: NodeConfig,
  alarms: AlarmRegistry,
  log: Logger,
): Promise<DiskMonitor[]> {
  const { cam, node } = config;
  const journalDir = join(node.dataDir, 'journal');
  const common = {
    major: cam.diskMonitorMajorThreshold,
    critical: cam.diskMonitorCriticalThreshold,
    alarms,
    log: log.child({ part: 'disk' }),
  };
  const disks = [
    new DiskMonitor({
      ...common,
      what: `accounting partition (${cam.baseFilePath})`,
      path: cam.baseFilePath,
      alarmNames: { major: ALARM_DISK_MAJOR, critical: ALARM_DISK_CRITICAL },
    }),
  ];
  if ((await deviceOf(journalDir)) !== (await deviceOf(cam.baseFilePath))) {
    disks.push(
      new DiskMonitor({
        ...common,
        what: `journal partition (${journalDir})`,
        path: journalDir,
        alarmNames: { major: 'JournalDiskMajor', critical: 'JournalDiskCritical' },
      }),
    );
  }
  for (const p of config.server.partitions)
    disks.push(
      new DiskMonitor({
        ...common,
        what: `${p.name} partition (${p.path})`,
        path: p.path,
        major: p.diskMonitorMajorThreshold,
        critical: p.diskMonitorCriticalThreshold,
        alarmNames: { major: `PartitionMajor.${p.name}`, critical: `PartitionCritical.${p.name}` },
      }),
    );
  for (const d of disks) {
    await d.check();
    d.start();
  }
  return disks;
}

/** Checked once, then every `server.raid.intervalMs`; undefined when the RAID check is off. */
export async function startRaidMonitor(
  config: NodeConfig,
  alarms: AlarmRegistry,
): Promise<RaidMonitor | undefined> {
  const r = config.server.raid;
  if (!r.enabled) return undefined;
  const raid = new RaidMonitor({
    mdstatPath: r.mdstatPath,
    expected: r.arrays,
    alarms,
    intervalMs: r.intervalMs,
  });
  await raid.check();
  raid.start();
  return raid;
}
