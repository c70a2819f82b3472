/**
 * Table 2's disk thresholds on the accounting partition (DiskMajorAlarm / DiskCriticalAlarm) and,
 * when it is another filesystem, on the journal's (JournalDiskMajor / JournalDiskCritical).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AlarmRegistry } from '../kernel/alarms.js';
import { DiskMonitor, deviceOf } from '../kernel/disk-monitor.js';
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
  for (const d of disks) {
    await d.check();
    d.start();
  }
  return disks;
}
