/**
 * Where alarm changes go for the operator's management system (the `fcaps` section): SNMP traps and
 * RFC 5424 syslog, behind one listener of the alarm registry. Both never block the caller; both are
 * off until a target is configured.
 */
import type { Logger } from 'pino';
import type { AlarmEvent, AlarmListener } from '../alarms.js';
import type { EventSource } from '../events/event.js';
import type { FcapsConfig } from './config.js';
import { SnmpTrapSender, type SnmpTrapsStatus } from './snmp-traps.js';
import { SyslogSender, type SyslogStatus } from './syslog-sender.js';

export interface AlarmForwardingStatus {
  snmp: SnmpTrapsStatus;
  syslog: SyslogStatus;
}

export class AlarmForwarding implements AlarmListener {
  private readonly snmp: SnmpTrapSender;
  private readonly syslog: SyslogSender;

  constructor(cfg: FcapsConfig, source: EventSource, log: Logger) {
    const name = `${source.component}/${source.id}`;
    this.snmp = new SnmpTrapSender(cfg, name, source.id, log.child({ part: 'snmp' }));
    this.syslog = new SyslogSender(cfg, name, log.child({ part: 'syslog' }));
  }

  start(): void {
    this.syslog.start();
  }

  alarmChanged(e: AlarmEvent): void {
    this.snmp.alarmChanged(e);
    this.syslog.alarmChanged(e);
  }

  status(): AlarmForwardingStatus {
    return { snmp: this.snmp.status(), syslog: this.syslog.status() };
  }

  async close(): Promise<void> {
    this.snmp.close();
    await this.syslog.close();
  }
}
