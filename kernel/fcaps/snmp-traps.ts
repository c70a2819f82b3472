/**
 * Sends every alarm change as an SNMP notification (TANDEM-ALARM-MIB) to the configured trap
 * receivers, SNMPv2c or SNMPv3 (USM: authNoPriv or authPriv). A trap is one UDP datagram: sending
 * never waits for the receiver and a receiver that is down costs nothing; what was lost shows as a
 * gap in tandemAlarmSequence, and the alarm history (GET /alarms) has every change.
 */
import snmp from 'net-snmp';
import type { Logger } from 'pino';
import type { AlarmEvent, AlarmListener } from '../alarms.js';
import { alarmNotification, type VarbindType } from './alarm-mib.js';
import { type FcapsConfig, snmpTargets } from './config.js';

export interface SnmpTrapsStatus {
  enabled: boolean;
  version: 'v2c' | 'v3';
  targets: string[];
  sent: number;
  failed: number;
  lastError: string;
}

const TYPE: Record<VarbindType, number> = {
  OctetString: snmp.ObjectType.OctetString,
  Integer: snmp.ObjectType.Integer,
  Gauge: snmp.ObjectType.Gauge,
};

/** RFC 3411 engine ID: the enterprise (32473, high bit set), format 4 (text), the text. */
export function engineIdFor(id: string): string {
  return `80007ed904${Buffer.from(id, 'utf8').subarray(0, 27).toString('hex')}`;
}

export class SnmpTrapSender implements AlarmListener {
  private readonly sessions: { target: string; session: snmp.Session }[] = [];
  private sequence = 0;
  private sent = 0;
  private failed = 0;
  private lastError = '';

  /** `source`: cam/<node id> or lam/<LAM id>; `id` names the v3 engine when none is configured. */
  constructor(
    private readonly cfg: FcapsConfig,
    private readonly source: string,
    id: string,
    private readonly log: Logger,
  ) {
    for (const { host, port } of snmpTargets(cfg)) {
      const session =
        cfg.snmpVersion === 'v2c'
          ? snmp.createSession(host, cfg.snmpCommunity, { version: snmp.Version2c, trapPort: port })
          : snmp.createV3Session(host, this.user(), {
              version: snmp.Version3,
              trapPort: port,
              engineID: (cfg.snmpEngineId || engineIdFor(id)).replace(/^0x/, ''),
            });
      // A socket error (e.g. an unresolvable host) is counted, never thrown into the caller.
      session.on('error', (err: Error) => this.failure(`${host}:${port}`, err));
      this.sessions.push({ target: `${host}:${port}`, session });
    }
  }

  get enabled(): boolean {
    return this.sessions.length > 0;
  }

  alarmChanged(e: AlarmEvent): void {
    if (!this.enabled) return;
    const n = alarmNotification(e, this.source, ++this.sequence);
    const varbinds = n.varbinds.map((v) => ({ oid: v.oid, type: TYPE[v.type], value: v.value }));
    for (const { target, session } of this.sessions) {
      try {
        session.trap(n.oid, varbinds, (err: Error | null) => {
          if (err) this.failure(target, err);
          else this.sent++;
        });
      } catch (err) {
        this.failure(target, err as Error);
      }
    }
  }

  status(): SnmpTrapsStatus {
    return {
      enabled: this.enabled,
      version: this.cfg.snmpVersion,
      targets: this.sessions.map((s) => s.target),
      sent: this.sent,
      failed: this.failed,
      lastError: this.lastError,
    };
  }

  close(): void {
    for (const { session } of this.sessions.splice(0)) session.close();
  }

  private user(): snmp.User {
    const c = this.cfg;
    const level =
      c.snmpAuthKey === ''
        ? snmp.SecurityLevel.noAuthNoPriv
        : c.snmpPrivKey === ''
          ? snmp.SecurityLevel.authNoPriv
          : snmp.SecurityLevel.authPriv;
    return {
      name: c.snmpUser,
      level,
      authProtocol: snmp.AuthProtocols[c.snmpAuthProtocol],
      authKey: c.snmpAuthKey,
      privProtocol: snmp.PrivProtocols[c.snmpPrivProtocol === 'none' ? 'none' : c.snmpPrivProtocol],
      privKey: c.snmpPrivKey,
    };
  }

  private failure(target: string, err: Error): void {
    this.failed++;
    // The error of a socket or an encoder: it names the target, never the community or the keys.
    this.lastError = `${target}: ${err.message}`;
    this.log.warn({ target, err: err.message }, 'SNMP trap not sent');
  }
}
