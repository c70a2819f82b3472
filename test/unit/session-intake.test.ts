import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../kernel/logger.js';
import { type RecordSink, SessionIntake, SipEventRejected } from '../../lam/sessions/session-intake.js';

class Sink implements RecordSink {
  readonly got: { type: string }[] = [];
  constructor(public room = 100) {}
  async submitMany(rus: unknown[]) {
    this.got.push(...(rus as { type: string }[]));
  }
}

const intake = (sink: Sink) =>
  new SessionIntake(
    {
      appSrvID: 'App1',
      appSrvVer: '1.0',
      inactivity: { defaultMs: 60_000, byIvrProfile: {}, byTenant: {}, byResource: {} },
      auditIntervalMs: 0,
      features: [],
      ids: { newSessionId: () => 'S1' },
    },
    sink,
    silentLogger(),
  );

const T = Date.parse('2026-12-07T10:00:00Z');
const base = { callId: 'c1', fromTag: 'a', headers: { from: '<sip:8080@lab2.org>;tag=a' } };
const answered = [
  { ...base, at: T, kind: 'request', method: 'INVITE', requestUri: 'sip:8081@lab2.org' },
  { ...base, at: T + 100, kind: 'response', method: 'INVITE', status: 200, toTag: 'b' },
];

describe('the session intake: SIP events in, records to the LAM', () => {
  it('applies valid events and hands over the records they complete', async () => {
    const sink = new Sink();
    const i = intake(sink);
    expect(await i.receive(answered)).toEqual({ events: 2, records: 1 });
    await i.receive({ ...base, at: T + 5_000, kind: 'request', method: 'BYE', toTag: 'b' });
    expect(sink.got.map((r) => r.type)).toEqual(['ConnectIngress', 'DisconnectIngress']);
    expect(i.status()).toMatchObject({ sipEvents: 3, records: 2, liveSessions: 0 });
    i.stop();
  });

  it.each([
    { event: { ...answered[1], method: 'invite' }, field: '[1].method' },
    { event: { ...answered[1], status: undefined }, field: '[1].status' },
    { event: { ...answered[1], callId: '' }, field: '[1].callId' },
  ])(
    'refuses a request with a bad event, naming $field, and applies none of it',
    async ({ event, field }) => {
      const sink = new Sink();
      const i = intake(sink);
      const err = await i.receive([answered[0], event]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SipEventRejected);
      expect((err as SipEventRejected).field).toBe(field);
      expect((err as SipEventRejected).httpStatus).toBe(400);
      expect(i.liveSessions).toBe(0);
      i.stop();
    },
  );

  it('a full queue refuses before anything is applied, so the same events can be sent again', async () => {
    const sink = new Sink(2);
    const i = intake(sink);
    const err = await i.receive(answered).catch((e: unknown) => e);
    expect((err as SipEventRejected).httpStatus).toBe(503);
    expect(i.liveSessions).toBe(0);
    sink.room = 100;
    expect(await i.receive(answered)).toEqual({ events: 2, records: 1 });
    i.stop();
  });
});
