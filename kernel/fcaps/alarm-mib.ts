/**
 * An alarm change as an SNMP notification of TANDEM-ALARM-MIB (ops/mib/TANDEM-ALARM-MIB.txt): the
 * notification's OID and its variable bindings. Pure; the OIDs here and in the MIB are checked
 * against each other by test/component/snmp-traps.test.ts (snmptranslate).
 */
import type { AlarmEvent, Severity } from '../alarms.js';

/** enterprises.32473 (RFC 5612, the documentation PEN; see the MIB's DESCRIPTION) .1 */
export const TANDEM_ALARM_MIB = '1.3.6.1.4.1.32473.1';
const NOTIFICATIONS = `${TANDEM_ALARM_MIB}.0`;
const OBJECTS = `${TANDEM_ALARM_MIB}.1`;

export const NOTIFICATION_OID: Record<AlarmEvent['kind'], string> = {
  raised: `${NOTIFICATIONS}.1`,
  updated: `${NOTIFICATIONS}.2`,
  cleared: `${NOTIFICATIONS}.3`,
};

/** Scalars in notifications carry the instance suffix .0. */
export const OBJECT_OID = {
  name: `${OBJECTS}.1.0`,
  severity: `${OBJECTS}.2.0`,
  reason: `${OBJECTS}.3.0`,
  source: `${OBJECTS}.4.0`,
  raisedAt: `${OBJECTS}.5.0`,
  raiseCount: `${OBJECTS}.6.0`,
  sequence: `${OBJECTS}.7.0`,
} as const;

/** ITU-T X.733 perceived severity, as in the MIB's tandemAlarmSeverity. */
export const SEVERITY_VALUE: Record<Severity | 'cleared', number> = {
  cleared: 1,
  critical: 3,
  major: 4,
  minor: 5,
  warning: 6,
};

export type VarbindType = 'OctetString' | 'Integer' | 'Gauge';
export interface Varbind {
  oid: string;
  type: VarbindType;
  value: string | number;
}
export interface AlarmNotification {
  oid: string;
  varbinds: Varbind[];
}

/** `source` is e.g. `cam/cam-a` or `lam/lam-7`; `sequence` counts this process's notifications from 1. */
export function alarmNotification(e: AlarmEvent, source: string, sequence: number): AlarmNotification {
  const a = e.alarm;
  const text = (oid: string, value: string, maxOctets: number): Varbind => ({
    oid,
    type: 'OctetString',
    value: cutUtf8(value, maxOctets),
  });
  return {
    oid: NOTIFICATION_OID[e.kind],
    varbinds: [
      text(OBJECT_OID.name, a.name, 64),
      {
        oid: OBJECT_OID.severity,
        type: 'Integer',
        value: SEVERITY_VALUE[e.kind === 'cleared' ? 'cleared' : a.severity],
      },
      text(OBJECT_OID.reason, a.reason, 255),
      text(OBJECT_OID.source, source, 80),
      text(OBJECT_OID.raisedAt, a.raisedAt, 32),
      // Unsigned32 is encoded as Gauge32 on the wire (RFC 2578 §7.1.11).
      { oid: OBJECT_OID.raiseCount, type: 'Gauge', value: a.raiseCount >>> 0 },
      { oid: OBJECT_OID.sequence, type: 'Gauge', value: sequence >>> 0 },
    ],
  };
}

/** The longest prefix of `s` whose UTF-8 encoding fits `maxOctets`, never splitting a character. */
export function cutUtf8(s: string, maxOctets: number): string {
  if (Buffer.byteLength(s) <= maxOctets) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (used + n > maxOctets) break;
    out += ch;
    used += n;
  }
  return out;
}
