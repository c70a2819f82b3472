/**
 * Alarm changes as RFC 5424 syslog messages, with the alarm in STRUCTURED-DATA so that a collector
 * parses fields rather than text, and the octet-counting framing of RFC 6587 for TCP. Pure.
 */
import type { AlarmEvent, Severity } from '../alarms.js';
import { cutUtf8 } from './alarm-mib.js';

/** The SD-ID: a name of ours at the enterprise number of TANDEM-ALARM-MIB (RFC 5424 §7.2.2). */
export const SD_ID = 'tandemAlarm@32473';

/** RFC 5424 severities: crit, err, warning, notice; a clear is informational. */
export const SYSLOG_SEVERITY: Record<Severity | 'cleared', number> = {
  critical: 2,
  major: 3,
  minor: 4,
  warning: 5,
  cleared: 6,
};

export interface SyslogHeader {
  facility: number;
  hostname: string;
  appName: string;
  procId: string;
}

const BOM = '\uFEFF';

export function alarmSyslogMessage(e: AlarmEvent, source: string, sequence: number, h: SyslogHeader): string {
  const a = e.alarm;
  const severity = SYSLOG_SEVERITY[e.kind === 'cleared' ? 'cleared' : a.severity];
  const params: [string, string][] = [
    ['name', a.name],
    ['kind', e.kind],
    ['severity', a.severity],
    ['source', source],
    ['raisedAt', a.raisedAt],
    ['raiseCount', String(a.raiseCount)],
    ['sequence', String(sequence)],
  ];
  const sd = `[${SD_ID} ${params.map(([k, v]) => `${k}="${escapeParam(v)}"`).join(' ')}]`;
  const text = `${a.name} ${e.kind} (${a.severity}) on ${source}: ${cutUtf8(a.reason, 1024)}`;
  return [
    `<${h.facility * 8 + severity}>1`,
    e.at,
    headerField(h.hostname, 255),
    headerField(h.appName, 48),
    headerField(h.procId, 128),
    `alarm.${e.kind}`,
    sd,
    `${BOM}${text}`,
  ].join(' ');
}

/** RFC 6587 §3.4.1: MSG-LEN SP SYSLOG-MSG, the length in octets. */
export function octetCounted(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `), body]);
}

/** PARAM-VALUE: `"`, `\` and `]` are escaped with a backslash (RFC 5424 §6.3.3). */
function escapeParam(v: string): string {
  return v.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** A header field is 1..max printable US-ASCII characters, or the NILVALUE "-". */
function headerField(v: string, max: number): string {
  const printable = v.replace(/[^!-~]/g, '').slice(0, max);
  return printable === '' ? '-' : printable;
}
