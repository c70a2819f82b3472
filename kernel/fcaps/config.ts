/**
 * The `fcaps` section of the node's and the LAM's configuration: where alarms go besides the log,
 * the alarm history and NATS — SNMP traps (v2c or v3) to the operator's management system, and
 * RFC 5424 syslog. Both are off until a target is set. Pure.
 */
import { z } from 'zod';
import { int, LISTEN_ADDRESS, oneOf, orEmpty, str } from '../config/fields.js';

const TARGETS = {
  test: (v: string) => v.split(',').every((s) => LISTEN_ADDRESS.test(s.trim())),
  allowed: 'host:port of trap receivers, comma-separated (the standard port is 162)',
};
const HEX_ENGINE_ID = {
  // RFC 3411: 5–32 octets.
  test: (v: string) => /^(0x)?([0-9a-fA-F]{2}){5,32}$/.test(v),
  allowed: 'an SNMP engine ID of 5–32 octets in hex, e.g. 0x80007e9904636d2d61',
};
const APP_NAME = {
  test: (v: string) => /^[!-~]+$/.test(v),
  allowed: 'printable ASCII without spaces',
};

export const SNMP_AUTH = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export const SNMP_PRIV = ['none', 'des', 'aes', 'aes256b', 'aes256r'] as const;

export const fcapsSchema = z
  .strictObject({
    /** Empty: no traps are sent. */
    snmpTargets: str({ min: 0, max: 1000, default: '', rule: orEmpty(TARGETS) }),
    snmpVersion: oneOf(['v2c', 'v3'] as const, 'v2c'),
    /** v2c only. */
    snmpCommunity: str({ min: 1, max: 64, default: 'public', secret: true }),
    /** v3 only: the USM user; with an auth key the level is authNoPriv, with a priv key authPriv. */
    snmpUser: str({ min: 0, max: 32, default: '' }),
    snmpAuthProtocol: oneOf(SNMP_AUTH, 'sha256'),
    snmpAuthKey: str({ min: 0, max: 128, default: '', secret: true }),
    snmpPrivProtocol: oneOf(SNMP_PRIV, 'aes'),
    snmpPrivKey: str({ min: 0, max: 128, default: '', secret: true }),
    /** v3 only: this sender's engine ID (the receiver's createUser -e names it). Empty: derived from the id. */
    snmpEngineId: str({ min: 0, max: 66, default: '', rule: orEmpty(HEX_ENGINE_ID) }),
    /** Empty: no syslog. host:port of an RFC 5424 receiver. */
    syslogTarget: str({ min: 0, max: 300, default: '', rule: orEmpty(LISTEN_ADDRESS) }),
    syslogTransport: oneOf(['udp', 'tcp'] as const, 'udp'),
    /** 0–23; 16 is local0. */
    syslogFacility: int({ min: 0, max: 23, default: 16 }),
    syslogAppName: str({ min: 1, max: 48, default: 'tandem', rule: APP_NAME }),
    /** Messages held while a TCP receiver is away; beyond, the oldest are dropped and counted. */
    syslogBufferMessages: int({ min: 1, max: 1_000_000, default: 10_000, unit: 'messages' }),
  })
  .superRefine((c, ctx) => {
    if (c.snmpTargets === '' || c.snmpVersion !== 'v3') return;
    const need = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.snmpUser === '') need('snmpUser', 'is required with snmpVersion v3');
    if (c.snmpAuthKey !== '' && c.snmpAuthKey.length < 8)
      need('snmpAuthKey', '(secret value hidden) is too short; allowed: at least 8 characters (RFC 3414)');
    if (c.snmpPrivKey !== '' && c.snmpPrivKey.length < 8)
      need('snmpPrivKey', '(secret value hidden) is too short; allowed: at least 8 characters (RFC 3414)');
    if (c.snmpPrivKey !== '' && c.snmpAuthKey === '')
      need(
        'snmpAuthKey',
        'is required when snmpPrivKey is set (SNMPv3 has no privacy without authentication)',
      );
  });
export type FcapsConfig = z.output<typeof fcapsSchema>;

export function snmpTargets(c: FcapsConfig): { host: string; port: number }[] {
  if (c.snmpTargets === '') return [];
  return c.snmpTargets.split(',').map((s) => splitHostPort(s.trim()));
}

export function splitHostPort(v: string): { host: string; port: number } {
  const i = v.lastIndexOf(':');
  return { host: v.slice(0, i), port: Number(v.slice(i + 1)) };
}
