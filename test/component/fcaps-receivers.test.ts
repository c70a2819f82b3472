/**
 * Alarms reach the operator's management system: SNMP traps (v2c, v3 authPriv) decoded by a real
 * snmptrapd with the shipped TANDEM-ALARM-MIB, and RFC 5424 messages parsed by a real rsyslogd
 * (UDP, and TCP across a receiver outage). Receivers refuse what is not authenticated.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlarmRegistry } from '../../kernel/alarms.js';
import { parseWith } from '../../kernel/config/parse.js';
import { AlarmForwarding } from '../../kernel/fcaps/alarm-forwarding.js';
import { NOTIFICATION_OID, OBJECT_OID, TANDEM_ALARM_MIB } from '../../kernel/fcaps/alarm-mib.js';
import { fcapsSchema } from '../../kernel/fcaps/config.js';
import { engineIdFor } from '../../kernel/fcaps/snmp-traps.js';
import { silentLogger } from '../../kernel/logger.js';
import { waitFor } from '../../kernel/process.js';
import { freePort } from '../../ops/local-process.js';
import { LocalTrapd, MIB_DIRS } from '../../ops/local-snmptrapd.js';
import { LocalSyslog } from '../../ops/local-syslog.js';

const dir = mkdtempSync(join(tmpdir(), 'tandem-fcaps-'));
const V3 = { user: 'tandem', authKey: 'auth-pass-123', privKey: 'priv-pass-456' };
let trapd: LocalTrapd;
let syslog: LocalSyslog;
const open: AlarmForwarding[] = [];

/** An alarm registry whose changes go where `fcaps` says. */
function forwarding(id: string, fcaps: Record<string, unknown>) {
  const alarms = new AlarmRegistry(silentLogger());
  const fwd = new AlarmForwarding(parseWith(fcapsSchema, fcaps), { component: 'cam', id }, silentLogger());
  alarms.listen(fwd);
  fwd.start();
  open.push(fwd);
  return { alarms, fwd };
}

const trapsNamed = (name: string) =>
  trapd.traps().filter((t) => t.values.tandemAlarmName === `STRING: ${name}`);

async function waitTraps(name: string, n: number) {
  return waitFor(
    `${n} traps of ${name}`,
    async () => (trapsNamed(name).length >= n ? trapsNamed(name) : undefined),
    {
      timeoutMs: 10_000,
      intervalMs: 50,
    },
  );
}

beforeAll(async () => {
  trapd = new LocalTrapd({
    dir: join(dir, 'trapd'),
    port: await freePort(),
    community: 'tandem-ro',
    v3: { ...V3, engineId: engineIdFor('cam-v3'), authProtocol: 'SHA-256' },
  });
  syslog = new LocalSyslog({
    dir: join(dir, 'syslog'),
    udpPort: await freePort(),
    tcpPort: await freePort(),
  });
  await Promise.all([trapd.start(), syslog.start()]);
});

afterAll(async () => {
  for (const f of open) await f.close();
  await Promise.all([trapd?.stop(), syslog?.stop()]);
});

describe('TANDEM-ALARM-MIB', () => {
  it.each([
    ['tandemAlarmRaised', NOTIFICATION_OID.raised],
    ['tandemAlarmUpdated', NOTIFICATION_OID.updated],
    ['tandemAlarmCleared', NOTIFICATION_OID.cleared],
    ['tandemAlarmName', OBJECT_OID.name],
    ['tandemAlarmSeverity', OBJECT_OID.severity],
    ['tandemAlarmReason', OBJECT_OID.reason],
    ['tandemAlarmSource', OBJECT_OID.source],
    ['tandemAlarmRaisedAt', OBJECT_OID.raisedAt],
    ['tandemAlarmRaiseCount', OBJECT_OID.raiseCount],
    ['tandemAlarmSequence', OBJECT_OID.sequence],
  ])('snmptranslate accepts the MIB and %s is %s in the code', (name, oid) => {
    const out = execFileSync(
      'snmptranslate',
      ['-M', MIB_DIRS, '-m', 'TANDEM-ALARM-MIB', '-On', `TANDEM-ALARM-MIB::${name}`],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    expect(`${out.trim()}`).toBe(`.${oid.replace(/\.0$/, '')}`);
    expect(oid.startsWith(TANDEM_ALARM_MIB)).toBe(true);
  });
});

describe('SNMP traps', () => {
  it('v2c: raise, update and clear arrive in order, decoded with the MIB', async () => {
    const { alarms, fwd } = forwarding('cam-v2', { snmpTargets: trapd.address, snmpCommunity: 'tandem-ro' });
    alarms.raise('DiskMonMajor', 'major', 'spool disk 91% used');
    alarms.raise('DiskMonMajor', 'critical', 'spool disk 97% used');
    alarms.clear('DiskMonMajor', 'spool disk 60% used');
    const traps = await waitTraps('DiskMonMajor', 3);
    expect(traps.map((t) => t.notification)).toEqual([
      'TANDEM-ALARM-MIB::tandemAlarmRaised',
      'TANDEM-ALARM-MIB::tandemAlarmUpdated',
      'TANDEM-ALARM-MIB::tandemAlarmCleared',
    ]);
    expect(traps.map((t) => t.values.tandemAlarmSeverity)).toEqual([
      'INTEGER: major(4)',
      'INTEGER: critical(3)',
      'INTEGER: cleared(1)',
    ]);
    expect(traps[0]!.values).toMatchObject({
      tandemAlarmReason: 'STRING: spool disk 91% used',
      tandemAlarmSource: 'STRING: cam/cam-v2',
      tandemAlarmRaiseCount: 'Gauge32: 1',
      tandemAlarmSequence: 'Gauge32: 1',
    });
    expect(traps[2]!.values.tandemAlarmSequence).toBe('Gauge32: 3');
    expect(fwd.status().snmp).toMatchObject({ enabled: true, version: 'v2c', sent: 3, failed: 0 });
  });

  it('v2c: a trap with another community is not accepted', async () => {
    const wrong = forwarding('cam-wrong', { snmpTargets: trapd.address, snmpCommunity: 'guess' });
    const right = forwarding('cam-right', { snmpTargets: trapd.address, snmpCommunity: 'tandem-ro' });
    wrong.alarms.raise('WrongCommunity', 'minor', 'should be refused');
    right.alarms.raise('RightCommunity', 'minor', 'sent after the refused one');
    await waitTraps('RightCommunity', 1);
    expect(trapsNamed('WrongCommunity')).toEqual([]);
    // The community never shows in status.
    expect(JSON.stringify(wrong.fwd.status())).not.toContain('guess');
  });

  it('v3 authPriv (SHA-256, AES): received and decrypted; a wrong key is refused', async () => {
    const v3 = { snmpTargets: trapd.address, snmpVersion: 'v3', snmpUser: V3.user };
    const bad = forwarding('cam-v3', { ...v3, snmpAuthKey: 'not-the-key', snmpPrivKey: V3.privKey });
    const good = forwarding('cam-v3', { ...v3, snmpAuthKey: V3.authKey, snmpPrivKey: V3.privKey });
    bad.alarms.raise('BadKey', 'major', 'should be refused');
    good.alarms.raise('FeedDown', 'major', 'OSS feed unreachable');
    const [trap] = await waitTraps('FeedDown', 1);
    expect(trap!.notification).toBe('TANDEM-ALARM-MIB::tandemAlarmRaised');
    expect(trap!.values.tandemAlarmSource).toBe('STRING: cam/cam-v3');
    expect(trapsNamed('BadKey')).toEqual([]);
    const shown = JSON.stringify(bad.fwd.status());
    for (const secret of ['not-the-key', V3.privKey]) expect(shown).not.toContain(secret);
  });
});

describe('RFC 5424 syslog', () => {
  const sdOf = (name: string, transport: string) =>
    syslog.messages().filter((m) => m.sd['tandemAlarm@32473']?.name === name && m.app === transport);

  it('UDP: rsyslog parses the header and the structured data', async () => {
    const { alarms } = forwarding('cam-sys', { syslogTarget: syslog.udpAddress, syslogAppName: 'udp' });
    alarms.raise('IpdrRenderFailure', 'major', 'file "a]b" failed');
    alarms.clear('IpdrRenderFailure');
    const got = await waitFor(
      '2 syslog messages',
      async () => {
        const m = sdOf('IpdrRenderFailure', 'udp');
        return m.length >= 2 ? m : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    expect(got.map((m) => [m.pri, m.msgId])).toEqual([
      [16 * 8 + 3, 'alarm.raised'],
      [16 * 8 + 6, 'alarm.cleared'],
    ]);
    expect(got[0]!.sd['tandemAlarm@32473']).toEqual({
      name: 'IpdrRenderFailure',
      kind: 'raised',
      severity: 'major',
      source: 'cam/cam-sys',
      raisedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      raiseCount: '1',
      sequence: '1',
    });
    expect(got[0]!.msg).toContain('IpdrRenderFailure raised (major) on cam/cam-sys: file "a]b" failed');
    expect(got[0]!.procId).toBe(String(process.pid));
  });

  it('TCP: messages raised while the receiver is down wait in the bounded buffer and arrive after it', async () => {
    const { alarms, fwd } = forwarding('cam-tcp', {
      syslogTarget: syslog.tcpAddress,
      syslogTransport: 'tcp',
      syslogAppName: 'tcp',
      syslogBufferMessages: 3,
    });
    const status = () => fwd.status().syslog;
    await waitFor('syslog TCP connected', async () => (status().connected ? true : undefined), {
      timeoutMs: 10_000,
    });
    alarms.raise('BeforeOutage', 'warning', 'w');
    await waitFor(
      'first message',
      async () => (sdOf('BeforeOutage', 'tcp').length === 1 ? true : undefined),
      {
        timeoutMs: 10_000,
        intervalMs: 50,
      },
    );
    await syslog.stop();
    await waitFor('syslog TCP disconnected', async () => (status().connected ? undefined : true), {
      timeoutMs: 10_000,
    });
    for (let i = 1; i <= 5; i++) alarms.raise(`During${i}`, 'minor', `outage ${i}`);
    expect(status()).toMatchObject({ buffered: 3, dropped: 2 });
    await syslog.start();
    await waitFor(
      'the 3 buffered messages',
      async () => (sdOf('During5', 'tcp').length === 1 ? true : undefined),
      {
        timeoutMs: 15_000,
        intervalMs: 50,
      },
    );
    // The oldest two were dropped and counted; the sequence shows the gap.
    expect(sdOf('During1', 'tcp')).toEqual([]);
    expect(sdOf('During2', 'tcp')).toEqual([]);
    expect(
      ['During3', 'During4', 'During5'].map((n) => sdOf(n, 'tcp')[0]!.sd['tandemAlarm@32473']!.sequence),
    ).toEqual(['4', '5', '6']);
    expect(status()).toMatchObject({ connected: true, buffered: 0, dropped: 2 });
  });
});
