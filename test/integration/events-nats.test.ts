/**
 * Events on a real NATS server (Debian's nats-server, started per file on loopback) from a running
 * pair (two `tandem node` processes): a feed alarm raised and cleared, a failover by kill -9 and a
 * switchover, seen by a subscriber in order with schema-valid payloads on the documented subjects;
 * during a NATS outage the pair goes on acking, holds its events and delivers them after; JetStream
 * keeps them for a subscriber that was away.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventName, eventSchema, subjectOf, type TandemEvent } from '../../kernel/events/event.js';
import { silentLogger } from '../../kernel/logger.js';
import { waitFor } from '../../kernel/process.js';
import { DtpSender } from '../../lam/dtp-client.js';
import { syntheticBlockRus } from '../../lam/synthetic.js';
import { freePort } from '../../ops/local-cam.js';
import { LocalNatsServer } from '../../ops/local-nats.js';
import { createLocalPair, type LocalPair, startActiveThenStandby } from '../../ops/local-pair.js';
import { LocalTrapd } from '../../ops/local-snmptrapd.js';
import { LocalSyslog } from '../../ops/local-syslog.js';
import { OssCollector } from '../../ops/oss-collector.js';
import { freshDatabase, testCluster, waitForHealthyCluster } from '../harness/galera.js';
import { uniqueLamId } from '../harness/nodes.js';

const PREFIX = 'tandem';

interface Seen {
  subject: string;
  event: TandemEvent;
}

describe('events on NATS, alarms as SNMP traps and syslog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-events-'));
  let nats: LocalNatsServer;
  let trapd: LocalTrapd;
  let syslog: LocalSyslog;
  let sub: NatsConnection;
  let pair: LocalPair;
  let collector: OssCollector | undefined;
  let feedPorts: { primary: number; recovery: number };
  const seen: Seen[] = [];
  const invalid: string[] = [];

  const from = (id: string) => seen.filter((s) => s.event.source === `tandem/cam/${id}`);
  const describeSeen = (list: Seen[]) =>
    list.map((s) => `${s.event.source} ${eventName(s.event)} ${JSON.stringify(s.event.data)}`).join('\n');
  async function eventually(what: string, match: (s: Seen) => boolean, timeoutMs = 30_000): Promise<Seen> {
    try {
      return await waitFor(what, async () => seen.find(match), { timeoutMs, intervalMs: 50 });
    } catch (err) {
      throw new Error(`${(err as Error).message}; seen:\n${describeSeen(seen)}`);
    }
  }
  const alarm = (id: string, kind: string, name: string) => (s: Seen) =>
    s.event.source === `tandem/cam/${id}` &&
    eventName(s.event) === `alarm.${kind}` &&
    (s.event.data as { name: string }).name === name;
  const roleTo = (id: string, to: string) => (s: Seen) =>
    s.event.source === `tandem/cam/${id}` &&
    eventName(s.event) === 'role.changed' &&
    (s.event.data as { to: string }).to === to;

  beforeAll(async () => {
    await waitForHealthyCluster();
    nats = new LocalNatsServer({
      dir: join(dir, 'nats'),
      port: await freePort(),
      monitorPort: await freePort(),
    });
    trapd = new LocalTrapd({ dir: join(dir, 'trapd'), port: await freePort(), community: 'tandem-nms' });
    syslog = new LocalSyslog({
      dir: join(dir, 'syslog'),
      udpPort: await freePort(),
      tcpPort: await freePort(),
    });
    await Promise.all([nats.start(), trapd.start(), syslog.start()]);
    sub = await connect({ servers: nats.address, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    const subscription = sub.subscribe(`${PREFIX}.>`);
    void (async () => {
      for await (const m of subscription) {
        const parsed = eventSchema.safeParse(m.json());
        if (!parsed.success) invalid.push(`${m.subject}: ${m.string()} — ${parsed.error.message}`);
        else seen.push({ subject: m.subject, event: parsed.data as TandemEvent });
      }
    })();
    await sub.flush();

    const database = await freshDatabase('events');
    const c = testCluster();
    feedPorts = { primary: await freePort(), recovery: await freePort() };
    pair = await createLocalPair({
      dir,
      databases: { a: { ...c.connectionFor('a'), database }, b: { ...c.connectionFor('b'), database } },
      logicalIp: `127.0.${10 + (process.pid % 200)}.${10 + Math.floor(Math.random() * 200)}`,
      ids: { a: 'cam-ea', b: 'cam-eb' },
      extra: {
        // The OSS collector is not listening yet: the feed alarm is raised after 300 ms.
        cam: {
          tcpIpEnabled: true,
          tcpIpAddress: '127.0.0.1',
          tcpIpPrimaryHostPort: feedPorts.primary,
          tcpIpRecoveryHostPort: feedPorts.recovery,
        },
        ipdr: { intervalMs: 100 },
        delivery: { intervalMs: 100, retryInitialMs: 50, retryMaxMs: 200, failureAlarmAfterMs: 300 },
        events: { natsServers: nats.address, subjectPrefix: PREFIX, jetstream: true },
        fcaps: { snmpTargets: trapd.address, snmpCommunity: 'tandem-nms', syslogTarget: syslog.udpAddress },
      },
      pair: { holdOffMs: 1000 },
    });
    await startActiveThenStandby(pair);
  });
  afterAll(async () => {
    for (const n of pair?.nodes ?? []) await n.stop();
    await collector?.close();
    await sub?.close();
    await nats?.stop();
    await trapd?.stop();
    await syslog?.stop();
  });

  it('a feed alarm raised and cleared, a failover and a switchover arrive in order, schema-valid', async () => {
    await eventually('cam-ea: OssTcpFeedFailure raised', alarm('cam-ea', 'raised', 'OssTcpFeedFailure'));
    collector = new OssCollector(join(dir, 'oss'));
    await collector.listen('127.0.0.1', feedPorts.primary);
    await collector.listen('127.0.0.1', feedPorts.recovery);
    await eventually('cam-ea: OssTcpFeedFailure cleared', alarm('cam-ea', 'cleared', 'OssTcpFeedFailure'));

    // Failover: the active node dies; the standby takes the role.
    await pair.a.kill9();
    const takeover = await eventually('cam-eb: role → active', roleTo('cam-eb', 'active'));
    // The old active comes back as standby; a switchover moves the role back to it.
    pair.a.start();
    await pair.a.waitRole('standby');
    // Refused (409) until cam-eb's heartbeat shows cam-ea as a healthy standby.
    let last = '';
    await waitFor(
      'cam-eb to accept a switchover to cam-ea',
      async () => {
        const r = await pair.b.command('switchover', { to: 'cam-ea' });
        last = JSON.stringify(r.body);
        if (r.status !== 200 && r.status !== 409) throw new Error(`switchover answered ${r.status}: ${last}`);
        return r.status === 200 ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    ).catch((err: Error) => {
      throw new Error(`${err.message} (last answer ${last})`);
    });
    await eventually(
      'cam-eb: switchover accepted',
      (s) => s.event.source === 'tandem/cam/cam-eb' && eventName(s.event) === 'command.accepted',
    );
    const back = await eventually(
      'cam-ea: role → active again',
      (s) => roleTo('cam-ea', 'active')(s) && seen.indexOf(s) > seen.indexOf(takeover),
    );

    expect(invalid).toEqual([]);
    for (const s of seen) expect(s.subject).toBe(subjectOf(PREFIX, s.event));
    // Per node, in the order each did things.
    const a = from('cam-ea').map(
      (s) =>
        `${eventName(s.event)}${'to' in s.event.data ? `:${s.event.data.to}` : ''}${'name' in s.event.data ? `:${s.event.data.name}` : ''}`,
    );
    const firstRun = a.slice(0, a.indexOf('alarm.cleared:OssTcpFeedFailure') + 1);
    expect(firstRun[0]).toBe('process.started');
    expect(firstRun).toContain('role.changed:active');
    expect(firstRun.indexOf('role.changed:active')).toBeLessThan(
      firstRun.indexOf('alarm.raised:OssTcpFeedFailure'),
    );
    const restarted = a.slice(a.lastIndexOf('process.started'));
    expect(restarted[0]).toBe('process.started');
    expect(restarted.indexOf('role.changed:standby')).toBeLessThan(restarted.indexOf('role.changed:active'));
    const b = from('cam-eb').map(
      (s) => `${eventName(s.event)}${'to' in s.event.data ? `:${s.event.data.to}` : ''}`,
    );
    expect(b[0]).toBe('process.started');
    const order = [
      'role.changed:standby',
      'role.changed:active',
      'command.accepted:cam-ea',
      'role.changed:handing-over',
      'role.changed:standby',
    ];
    let at = -1;
    for (const step of order) {
      const i = b.indexOf(step, at + 1);
      expect(i, `${step} after position ${at} in ${b.join(', ')}`).toBeGreaterThan(at);
      at = i;
    }
    // Each change of owner raises the lease epoch.
    const epoch = (s: Seen) => (s.event.data as { leaseEpoch: number | null }).leaseEpoch ?? 0;
    expect(epoch(back)).toBeGreaterThan(epoch(takeover));
  });

  it('the same feed alarm reached snmptrapd (decoded with the MIB) and rsyslogd, from the node process', async () => {
    const traps = await waitFor(
      'the raise and the clear of OssTcpFeedFailure as traps',
      async () => {
        const t = trapd
          .traps()
          .filter(
            (x) =>
              x.values.tandemAlarmName === 'STRING: OssTcpFeedFailure' &&
              x.values.tandemAlarmSource === 'STRING: cam/cam-ea',
          );
        return t.length >= 2 ? t : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(traps.slice(0, 2).map((t) => t.notification)).toEqual([
      'TANDEM-ALARM-MIB::tandemAlarmRaised',
      'TANDEM-ALARM-MIB::tandemAlarmCleared',
    ]);
    const messages = await waitFor(
      'the raise and the clear as syslog messages',
      async () => {
        const m = syslog
          .messages()
          .filter(
            (x) =>
              x.sd['tandemAlarm@32473']?.name === 'OssTcpFeedFailure' &&
              x.sd['tandemAlarm@32473']?.source === 'cam/cam-ea',
          );
        return m.length >= 2 ? m : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(messages.slice(0, 2).map((m) => m.msgId)).toEqual(['alarm.raised', 'alarm.cleared']);
    // The node reports what it sent, without the community.
    const status = JSON.stringify(await pair.b.status());
    expect(status).toMatch(/"snmp":\{"enabled":true,"version":"v2c"/);
    expect(status).not.toContain('tandem-nms');
  });

  it('with NATS down the pair goes on acking; the events of the outage arrive after it', async () => {
    const active = (await pair.a.role()) === 'active' ? pair.a : pair.b;
    const outageAt = new Date().toISOString();
    await nats.stop();
    // Acks go on without NATS.
    const lamId = uniqueLamId('events');
    let acked = 0;
    const sender = new DtpSender({
      target: `${active.host}:${active.primaryPort}`,
      lamId,
      stream: 'primary',
      log: silentLogger(),
      onAck: () => acked++,
    });
    sender.start();
    for (let seq = 1; seq <= 50; seq++)
      sender.send({ blockSeq: seq, createdAtMs: 0, rus: syntheticBlockRus(lamId, seq, 5) });
    await sender.drained();
    sender.stop();
    expect(acked).toBe(50);
    // An alarm raised while NATS is away: the collector goes.
    await collector!.close();
    collector = undefined;
    await waitFor(
      `${active.id} to raise OssTcpFeedFailure and buffer its event`,
      async () => {
        const s = (await active.status()) as {
          alarms: { name: string }[];
          events: { buffered: number; connected: boolean };
        };
        return s.alarms.some((x) => x.name === 'OssTcpFeedFailure') &&
          s.events.buffered > 0 &&
          !s.events.connected
          ? true
          : undefined;
      },
      { timeoutMs: 20_000 },
    );
    const before = seen.length;
    await nats.start();
    // The node and this subscriber both reconnect; when the node is back first, its buffered event
    // is published before the subscription is: then JetStream (which captures every publish) has it.
    const isLate = (e: TandemEvent) =>
      e.source === `tandem/cam/${active.id}` &&
      eventName(e) === 'alarm.raised' &&
      (e.data as { name: string }).name === 'OssTcpFeedFailure' &&
      e.time >= outageAt;
    async function fromJetStream(): Promise<TandemEvent | undefined> {
      const c = await jetstream(sub).consumers.get('TANDEM_EVENTS', {
        // A single subject (filter_subject): Debian's nats-server 2.9 has no multi-subject filter.
        filter_subjects: `${PREFIX}.cam.${active.id}.alarm.raised`,
      });
      for (let m = await c.next({ expires: 1000 }); m; m = await c.next({ expires: 1000 })) {
        const e = eventSchema.parse(m.json()) as TandemEvent;
        if (isLate(e)) return e;
      }
      return undefined;
    }
    const late = await waitFor(
      `${active.id}: the outage's alarm after NATS returns`,
      async () => seen.slice(before).find((x) => isLate(x.event))?.event ?? (await fromJetStream()),
      { timeoutMs: 30_000, intervalMs: 500 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; seen:\n${describeSeen(seen)}`);
    });
    expect(late.time < new Date().toISOString()).toBe(true);

    // JetStream kept every event, also those from before this subscriber's last reconnect.
    const jsm = await jetstreamManager(sub);
    const info = await jsm.streams.info('TANDEM_EVENTS');
    expect(info.state.messages).toBeGreaterThanOrEqual(seen.length);
    const consumer = await jetstream(sub).consumers.get('TANDEM_EVENTS');
    const first = await consumer.next({ expires: 5000 });
    expect(first).not.toBeNull();
    const replayed = eventSchema.parse(first!.json());
    expect(seen.some((s) => s.event.id === replayed.id)).toBe(true);
  });
});
