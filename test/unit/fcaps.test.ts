import { describe, expect, it } from 'vitest';
import type { AlarmEvent } from '../../kernel/alarms.js';
import { ConfigError, parseWith } from '../../kernel/config/parse.js';
import { MASK, redactSecrets } from '../../kernel/config/redact.js';
import {
  alarmNotification,
  cutUtf8,
  NOTIFICATION_OID,
  OBJECT_OID,
  SEVERITY_VALUE,
} from '../../kernel/fcaps/alarm-mib.js';
import { fcapsSchema, snmpTargets } from '../../kernel/fcaps/config.js';
import { alarmSyslogMessage, octetCounted, SYSLOG_SEVERITY } from '../../kernel/fcaps/rfc5424.js';
import { engineIdFor } from '../../kernel/fcaps/snmp-traps.js';
import { lamConfigFileSchema, parseLamConfigFile } from '../../lam/config.js';
import { nodeConfigSchema, parseNodeConfig } from '../../node/config/schema.js';

const event = (kind: AlarmEvent['kind'], over: Partial<AlarmEvent['alarm']> = {}): AlarmEvent => ({
  kind,
  at: '2026-12-04T10:00:01.000Z',
  alarm: {
    name: 'DiskMonMajor',
    severity: 'major',
    reason: 'spool disk 91% used',
    raisedAt: '2026-12-04T10:00:00.000Z',
    raiseCount: 2,
    ...over,
  },
});
const HEADER = { facility: 16, hostname: 'cam-a.example', appName: 'tandem', procId: '4242' };

describe('fcaps configuration', () => {
  const parse = (v: unknown) => parseWith(fcapsSchema, v);

  it('is off by default', () => {
    const c = parse({});
    expect(snmpTargets(c)).toEqual([]);
    expect(c.syslogTarget).toBe('');
  });

  it('reads comma-separated trap receivers', () => {
    expect(snmpTargets(parse({ snmpTargets: '127.0.0.1:162, oss.example:1162' }))).toEqual([
      { host: '127.0.0.1', port: 162 },
      { host: 'oss.example', port: 1162 },
    ]);
  });

  it.each([
    [{ snmpTargets: '127.0.0.1' }, 'fcaps.snmpTargets'],
    [{ snmpVersion: 'v1' }, 'fcaps.snmpVersion'],
    [{ snmpTargets: '127.0.0.1:162', snmpVersion: 'v3' }, 'snmpUser: is required with snmpVersion v3'],
    [{ snmpTargets: '127.0.0.1:162', snmpVersion: 'v3', snmpUser: 'u', snmpAuthKey: 'short' }, 'snmpAuthKey'],
    [
      { snmpTargets: '127.0.0.1:162', snmpVersion: 'v3', snmpUser: 'u', snmpPrivKey: 'longenough' },
      'snmpAuthKey',
    ],
    [{ snmpEngineId: 'xyz' }, 'fcaps.snmpEngineId'],
    [{ syslogFacility: 24 }, 'fcaps.syslogFacility'],
    [{ syslogAppName: 'has space' }, 'fcaps.syslogAppName'],
  ])('%j is refused, naming %s', (fcaps, names) => {
    let err: unknown;
    try {
      parseNodeConfig({ node: { id: 'cam-a' }, fcaps });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toContain(names);
  });

  it('never repeats a secret in an error', () => {
    const secret = 'x'.repeat(200);
    expect(() => parse({ snmpCommunity: secret })).toThrow(/secret value hidden/);
    try {
      parse({ snmpCommunity: secret });
    } catch (e) {
      expect((e as Error).message).not.toContain(secret);
    }
  });
});

describe('redactSecrets masks every secret field the schemas declare', () => {
  const secrets = {
    database: { password: 'db-s3cret' },
    cam: { ftpUserPassword: 'ftp-s3cret' },
    fcaps: { snmpCommunity: 'comm-s3cret', snmpAuthKey: 'auth-s3cret', snmpPrivKey: 'priv-s3cret' },
  };

  it('node configuration', () => {
    const parsed = parseNodeConfig({ node: { id: 'cam-a' }, ...secrets });
    const shown = JSON.stringify(redactSecrets(nodeConfigSchema, parsed));
    for (const v of ['db-s3cret', 'ftp-s3cret', 'comm-s3cret', 'auth-s3cret', 'priv-s3cret'])
      expect(shown).not.toContain(v);
    const r = JSON.parse(shown);
    expect(r.fcaps.snmpPrivKey).toBe(MASK);
    expect(r.database.password).toBe(MASK);
    // Not secret, not masked; the original is untouched.
    expect(r.node.id).toBe('cam-a');
    expect(parsed.database.password).toBe('db-s3cret');
  });

  it('LAM configuration; an unset secret stays empty', () => {
    const parsed = parseLamConfigFile({
      lam: { componentName: 'lam1' },
      fcaps: { snmpCommunity: 'comm-s3cret' },
    });
    const r = redactSecrets(lamConfigFileSchema, parsed);
    expect(r.fcaps.snmpCommunity).toBe(MASK);
    expect(r.fcaps.snmpAuthKey).toBe('');
  });
});

describe('alarm notification (TANDEM-ALARM-MIB)', () => {
  it.each([
    ['raised', 'major', NOTIFICATION_OID.raised, 4],
    ['updated', 'critical', NOTIFICATION_OID.updated, 3],
    ['cleared', 'major', NOTIFICATION_OID.cleared, 1],
    ['raised', 'warning', NOTIFICATION_OID.raised, 6],
    ['raised', 'minor', NOTIFICATION_OID.raised, 5],
  ] as const)('%s %s → %s, tandemAlarmSeverity %i', (kind, severity, oid, value) => {
    const n = alarmNotification(event(kind, { severity }), 'cam/cam-a', 7);
    expect(n.oid).toBe(oid);
    const byOid = Object.fromEntries(n.varbinds.map((v) => [v.oid, v]));
    expect(byOid[OBJECT_OID.severity]).toEqual({ oid: OBJECT_OID.severity, type: 'Integer', value });
    expect(byOid[OBJECT_OID.name]?.value).toBe('DiskMonMajor');
    expect(byOid[OBJECT_OID.source]?.value).toBe('cam/cam-a');
    expect(byOid[OBJECT_OID.raiseCount]).toMatchObject({ type: 'Gauge', value: 2 });
    expect(byOid[OBJECT_OID.sequence]).toMatchObject({ type: 'Gauge', value: 7 });
  });

  it('every severity has a value', () => {
    expect(Object.keys(SEVERITY_VALUE).sort()).toEqual(['cleared', 'critical', 'major', 'minor', 'warning']);
  });

  it('cuts a long reason to the MIB size without splitting a character', () => {
    const n = alarmNotification(event('raised', { reason: 'é'.repeat(300) }), 'lam/l', 1);
    const reason = n.varbinds.find((v) => v.oid === OBJECT_OID.reason)!.value as string;
    expect(Buffer.byteLength(reason)).toBe(254);
    expect(reason).toBe('é'.repeat(127));
  });

  it.each([
    ['abc', 3, 'abc'],
    ['abcd', 3, 'abc'],
    ['aé', 2, 'a'],
    ['😀x', 3, ''],
    ['', 0, ''],
  ])('cutUtf8(%j, %i) = %j', (s, n, out) => expect(cutUtf8(s, n)).toBe(out));

  it('engine ID: enterprise 32473 with the high bit, text format, 5–32 octets', () => {
    expect(engineIdFor('cam-a')).toBe('80007ed904' + Buffer.from('cam-a').toString('hex'));
    expect(engineIdFor('x'.repeat(100)).length / 2).toBe(32);
  });
});

describe('RFC 5424 message', () => {
  it('has the header, the structured data and the text', () => {
    const m = alarmSyslogMessage(event('raised'), 'cam/cam-a', 3, HEADER);
    expect(m).toBe(
      '<131>1 2026-12-04T10:00:01.000Z cam-a.example tandem 4242 alarm.raised ' +
        '[tandemAlarm@32473 name="DiskMonMajor" kind="raised" severity="major" source="cam/cam-a" ' +
        'raisedAt="2026-12-04T10:00:00.000Z" raiseCount="2" sequence="3"] ' +
        '\uFEFFDiskMonMajor raised (major) on cam/cam-a: spool disk 91% used',
    );
  });

  it.each([
    ['raised', 'critical', 16 * 8 + 2],
    ['raised', 'major', 16 * 8 + 3],
    ['updated', 'minor', 16 * 8 + 4],
    ['raised', 'warning', 16 * 8 + 5],
    ['cleared', 'critical', 16 * 8 + 6],
  ] as const)('%s %s → PRI %i', (kind, severity, pri) => {
    expect(alarmSyslogMessage(event(kind, { severity }), 's', 1, HEADER)).toMatch(new RegExp(`^<${pri}>1 `));
    expect(SYSLOG_SEVERITY[kind === 'cleared' ? 'cleared' : severity]).toBe(pri - 128);
  });

  it('escapes ", \\ and ] in parameter values and replaces bad header characters', () => {
    const m = alarmSyslogMessage(event('raised', { name: 'a"b\\c]d' }), 's', 1, {
      ...HEADER,
      hostname: 'host with space',
      procId: '',
    });
    expect(m).toContain('name="a\\"b\\\\c\\]d"');
    expect(m).toContain(' hostwithspace tandem - alarm.raised ');
  });

  it('octet counting counts octets, not characters', () => {
    expect(octetCounted('é1').toString('utf8')).toBe('3 é1');
  });
});
