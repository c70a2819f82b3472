import { describe, expect, it } from 'vitest';
import { ConfigError, parseWith } from '../../kernel/config/parse.js';
import { eventsSchema, natsServers } from '../../kernel/events/config.js';
import { eventName, eventSchema, makeEvent, subjectOf } from '../../kernel/events/event.js';
import { EventBuffer } from '../../kernel/events/event-buffer.js';
import { configDigest } from '../../kernel/events/publisher.js';

const AT = new Date('2026-12-04T10:00:00.000Z');
const alarm = {
  name: 'DiskMajorAlarm',
  severity: 'major',
  reason: 'r',
  raisedAt: AT.toISOString(),
  raiseCount: 1,
} as const;

describe('event buffer: bounded, oldest dropped and counted', () => {
  it.each([
    // capacity, pushed, shifted between, expected contents, dropped
    [3, [1, 2], 0, [1, 2], 0],
    [3, [1, 2, 3, 4, 5], 0, [3, 4, 5], 2],
    [1, [1, 2, 3], 0, [3], 2],
    [3, [1, 2, 3, 4], 2, [4], 1],
  ])('capacity %i, push %j, shift %i → %j (%i dropped)', (capacity, pushed, shifts, rest, dropped) => {
    const b = new EventBuffer<number>(capacity);
    for (const n of pushed) b.push(n);
    const out: number[] = [];
    for (let i = 0; i < shifts; i++) b.shift();
    for (let n = b.shift(); n !== undefined; n = b.shift()) out.push(n);
    expect(out).toEqual(rest);
    expect(b.dropped).toBe(dropped);
    expect(b.size).toBe(0);
  });

  it('stays bounded over a long outage and compacts its storage', () => {
    const b = new EventBuffer<number>(100);
    for (let i = 0; i < 100_000; i++) b.push(i);
    expect(b.size).toBe(100);
    expect(b.dropped).toBe(99_900);
    expect(b.peek()).toBe(99_900);
  });

  it.each([0, -1, 1.5])('refuses capacity %s', (c) => {
    expect(() => new EventBuffer(c)).toThrow(/capacity/);
  });
});

describe('events: envelope, names and subjects', () => {
  it.each([
    [{ component: 'cam', id: 'cam-a' } as const, 'alarm.raised' as const, 'tandem.cam.cam-a.alarm.raised'],
    [
      { component: 'lam', id: 'sip.as1' } as const,
      'alarm.cleared' as const,
      'tandem.lam.sip_as1.alarm.cleared',
    ],
  ])('%j %s → %s', (source, name, subject) => {
    const e = makeEvent(source, name, alarm, AT);
    expect(subjectOf('tandem', e)).toBe(subject);
    expect(eventName(e)).toBe(name);
    expect(e.source).toBe(`tandem/${source.component}/${source.id}`);
    expect(eventSchema.parse(e)).toEqual(e);
  });

  it.each([
    ['role.changed', { from: 'standby', to: 'active', reason: 'lease taken', leaseEpoch: 4 }],
    ['role.changed', { from: 'joining', to: 'standby', reason: 'peer active', leaseEpoch: null }],
    ['command.accepted', { command: 'switchover', to: 'cam-b' }],
    ['command.accepted', { command: 'maintenance', on: true }],
    ['process.started', { version: '0.1.0', configDigest: 'a'.repeat(64) }],
  ] as const)('a valid %s passes the schema', (name, data) => {
    expect(
      eventSchema.safeParse(makeEvent({ component: 'cam', id: 'cam-a' }, name, data as never, AT)).success,
    ).toBe(true);
  });

  it.each([
    ['an unknown type', { type: 'tandem.alarm.exploded.v1' }],
    ['a newer version', { type: 'tandem.alarm.raised.v2' }],
    ['a wrong severity', { data: { ...alarm, severity: 'fatal' } }],
    ['an extra field', { extra: 1 }],
    ['a bad source', { source: 'cam-a' }],
  ])('the schema refuses %s', (_what, change) => {
    const e = { ...makeEvent({ component: 'cam', id: 'cam-a' }, 'alarm.raised', alarm, AT), ...change };
    expect(eventSchema.safeParse(e).success).toBe(false);
  });
});

describe('events configuration', () => {
  it('is off by default', () => {
    const c = eventsSchema.parse({});
    expect(natsServers(c)).toEqual([]);
    expect(c.subjectPrefix).toBe('tandem');
  });

  it.each([
    ['127.0.0.1:4222, nats-b:4222', ['127.0.0.1:4222', 'nats-b:4222']],
    ['', []],
  ])('natsServers %j → %j', (v, servers) => {
    expect(natsServers(eventsSchema.parse({ natsServers: v }))).toEqual(servers);
  });

  it.each([
    [
      { natsServers: 'nats://a' },
      /natsServers: "nats:\/\/a" is not valid; allowed: host:port of NATS servers/,
    ],
    [{ subjectPrefix: 'tandem.>' }, /subjectPrefix: "tandem.>" is not valid/],
    [{ bufferEvents: 0 }, /bufferEvents: 0 is out of range; allowed: 1–1000000 events/],
    [{ natsServer: 'x:1' }, /natsServer/],
  ])('%j is refused, naming the field', (input, message) => {
    let err: unknown;
    try {
      parseWith(eventsSchema, input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('configuration digest', () => {
  it('changes with the configuration, not with a password', () => {
    const base = { database: { host: 'a', password: 'one' }, cam: { ftpUserPassword: 'x' } };
    const d = configDigest(base);
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    expect(configDigest({ database: { host: 'a', password: 'two' }, cam: { ftpUserPassword: 'y' } })).toBe(d);
    expect(configDigest({ ...base, database: { host: 'b', password: 'one' } })).not.toBe(d);
  });
});
