import { describe, expect, it } from 'vitest';
import { CallRecorder } from '../../lam/sessions/call-records.js';
import { TestCallFilter } from '../../lam/sessions/features/test-call-filter.js';
import {
  type FeatureOutcome,
  POINTS,
  type PointContext,
  type PointName,
  type SessionFeature,
} from '../../lam/sessions/points.js';
import { type PlanNote, SessionPlan } from '../../lam/sessions/session-plan.js';
import { SessionTable } from '../../lam/sessions/session-table.js';
import { type SipEvent, sipEventSchema } from '../../lam/sessions/sip-event.js';
import type { RecordingUnit } from '../../proto/ru.js';

const T0 = Date.parse('2026-12-07T10:00:00Z');
const GVP = { 'x-genesys-gvp-session-id': 'S1' };
type Msg = Partial<SipEvent> & { at: number };
const ingress = (m: Msg): Msg => ({ callId: 'in-1', fromTag: 'a', ...m, headers: { ...GVP, ...m.headers } });
const egress = (m: Msg): Msg => ({ callId: 'out-1', fromTag: 'x', ...m, headers: { ...GVP, ...m.headers } });

/** A call through the application server: ingress and egress legs, answered, hung up at 10 s. */
function call(caller = '8080'): Msg[] {
  return [
    ingress({
      at: 0,
      kind: 'request',
      method: 'INVITE',
      requestUri: 'sip:8081@lab2.org',
      headers: { from: `<sip:${caller}@lab2.org>;tag=a`, to: '<sip:8081@lab2.org>' },
    }),
    egress({ at: 100, kind: 'request', method: 'INVITE', requestUri: 'sip:8081@gw.lab2.org' }),
    egress({ at: 2_000, kind: 'response', method: 'INVITE', status: 200, toTag: 'y' }),
    ingress({ at: 2_010, kind: 'response', method: 'INVITE', status: 200, toTag: 'b' }),
    ingress({ at: 2_020, kind: 'request', method: 'ACK', toTag: 'b' }),
    ingress({ at: 10_000, kind: 'request', method: 'BYE', toTag: 'b' }),
    egress({ at: 10_010, kind: 'request', method: 'BYE', toTag: 'y' }),
    ingress({ at: 10_020, kind: 'response', method: 'BYE', status: 200, toTag: 'b' }),
  ];
}

/** A feature that writes down every point it sees and answers with `answer` where given. */
class Recording implements SessionFeature {
  readonly seen: { point: PointName; leg?: string; ctx: PointContext }[] = [];
  constructor(
    readonly name: string,
    readonly points: readonly PointName[],
    private readonly answer: (ctx: PointContext) => FeatureOutcome | undefined = () => undefined,
  ) {}
  run(ctx: PointContext) {
    this.seen.push({ point: ctx.point, leg: ctx.leg?.direction, ctx });
    return this.answer(ctx);
  }
}

const ALL: readonly PointName[] = POINTS;

function plan(features: SessionFeature[]) {
  let n = 0;
  const table = new SessionTable(
    { inactivity: { defaultMs: 60_000 }, auditIntervalMs: 0, lingerMs: 32_000 },
    { tenantOf: () => undefined },
    { newSessionId: () => `gen-${++n}` },
  );
  return new SessionPlan(table, new CallRecorder({ appSrvID: 'App1', appSrvVer: '1.0' }), features);
}

function feed(p: SessionPlan, messages: Msg[]) {
  const records: RecordingUnit[] = [];
  const notes: PlanNote[] = [];
  for (const m of messages) {
    const out = p.receive(sipEventSchema.parse({ ...m, at: T0 + m.at }));
    records.push(...out.records);
    notes.push(...out.notes);
  }
  return { records, notes, types: records.map((r) => r.type) };
}

describe('the session plan: points in session around the model and the records', () => {
  it('runs the points of an answered call in the order of the call', () => {
    const f = new Recording('observer', ALL);
    const { types, notes } = feed(plan([f]), call());
    expect(f.seen.map((s) => (s.leg ? `${s.point}/${s.leg}` : s.point))).toEqual([
      'SipAccess_SessionAccept/ingress',
      'SipAccess_SessionStart/ingress',
      'SipAccess_PartyRequest/ingress',
      'SipAccess_PartyRequest/egress',
      'SipAccess_PartyResponse/egress',
      'SipAccess_PartyResponse/ingress',
      'SipMidSession_PartyRequest/ingress',
      'SipLegEnd/ingress',
      'SipLegEnd/egress',
      'SipEndSession',
    ]);
    expect(f.seen[0]!.ctx.message?.method).toBe('INVITE');
    expect(f.seen.at(-2)!.ctx.legEnd).toEqual({ cause: 'bye' });
    // Observing changes nothing: the same records as without features.
    expect(types).toEqual(feed(plan([]), call()).types);
    expect(types).toEqual(['ConnectEgress', 'ConnectIngress', 'DisconnectIngress', 'DisconnectEgress']);
    expect(notes).toEqual([]);
  });

  it.each([
    {
      name: 'a veto at SessionAccept keeps the whole session out of accounting, named and counted',
      feature: () => new TestCallFilter(['99']),
      caller: '99123',
      types: [],
      notes: [
        {
          kind: 'vetoed',
          what: 'session',
          feature: 'test-call-filter',
          reason: 'test call: caller 99123 starts with 99',
        },
      ],
    },
    {
      name: 'the same plug-in lets other callers through',
      feature: () => new TestCallFilter(['99']),
      caller: '8080',
      types: ['ConnectEgress', 'ConnectIngress', 'DisconnectIngress', 'DisconnectEgress'],
      notes: [],
    },
    {
      name: 'a veto at PartyRequest drops that leg only',
      feature: () =>
        new Recording('no-egress', ['SipAccess_PartyRequest'], (c) =>
          c.leg?.direction === 'egress' ? { veto: 'egress not billed here' } : undefined,
        ),
      caller: '8080',
      types: ['ConnectIngress', 'DisconnectIngress'],
      notes: [{ kind: 'vetoed', what: 'leg', feature: 'no-egress', reason: 'egress not billed here' }],
    },
    {
      name: 'a veto where none counts is reported and ignored',
      feature: () => new Recording('late', ['SipLegEnd'], () => ({ veto: 'too late' })),
      caller: '8080',
      types: ['ConnectEgress', 'ConnectIngress', 'DisconnectIngress', 'DisconnectEgress'],
      notes: [
        { kind: 'veto-ignored', feature: 'late', point: 'SipLegEnd', reason: 'too late' },
        { kind: 'veto-ignored', feature: 'late', point: 'SipLegEnd', reason: 'too late' },
      ],
    },
  ])('$name', ({ feature, caller, types, notes }) => {
    const p = plan([feature()]);
    const out = feed(p, call(caller));
    expect(out.types).toEqual(types);
    expect(out.notes).toMatchObject(notes);
    // Every later message of a vetoed session is absorbed, not a stray; nothing is left behind.
    expect(out.notes.filter((n) => n.kind === 'stray')).toEqual([]);
    expect(p.liveSessionCount).toBe(0);
    expect(p.nextDeadline()).toBe(T0 + 10_000 + 32_000); // only the ended legs, lingering
  });

  it('annotations made at one point are seen at the later ones', () => {
    const later = new Recording('reader', ['SipEndSession']);
    feed(plan([new TestCallFilter([]), later]), call());
    expect(later.seen[0]!.ctx.session.annotations).toEqual({ dialled: '8081' });
  });

  it('a feature that throws is reported; the others hear of it at SipInstructionExecutionFailure; records are unchanged', () => {
    const broken = new Recording('broken', ['SipAccess_PartyResponse'], () => {
      throw new Error('rating engine down');
    });
    const watcher = new Recording('watcher', ['SipInstructionExecutionFailure']);
    const out = feed(plan([broken, watcher]), call());
    expect(out.types).toEqual(['ConnectEgress', 'ConnectIngress', 'DisconnectIngress', 'DisconnectEgress']);
    expect(out.notes).toMatchObject([
      { kind: 'instruction-failed', instruction: 'feature broken', point: 'SipAccess_PartyResponse' },
      { kind: 'instruction-failed', instruction: 'feature broken', point: 'SipAccess_PartyResponse' },
    ]);
    expect(watcher.seen.map((s) => s.ctx.failure)).toEqual([
      { instruction: 'feature broken', point: 'SipAccess_PartyResponse', error: 'rating engine down' },
      { instruction: 'feature broken', point: 'SipAccess_PartyResponse', error: 'rating engine down' },
    ]);
  });

  it('a failure the shell reports runs SipInstructionExecutionFailure; one that throws there is not re-run', () => {
    const watcher = new Recording('watcher', ['SipInstructionExecutionFailure'], () => {
      throw new Error('watcher broke too');
    });
    const p = plan([watcher]);
    feed(p, call().slice(0, 4));
    const out = p.failed(T0 + 5_000, 'S1', 'record ConnectIngress', 'RU queue full');
    expect(watcher.seen).toHaveLength(1);
    expect(out.notes).toMatchObject([
      { kind: 'instruction-failed', instruction: 'record ConnectIngress', error: 'RU queue full' },
      { kind: 'instruction-failed', instruction: 'feature watcher', point: 'SipInstructionExecutionFailure' },
    ]);
  });

  it('a service timer runs SipAccess_ServiceTimer when due and is cancelled when its session ends', () => {
    const f = new Recording('timers', ['SipAccess_SessionStart', 'SipAccess_ServiceTimer'], (c) =>
      c.point === 'SipAccess_SessionStart'
        ? { startTimer: { name: 'credit-check', afterMs: 5_000 } }
        : c.timer?.name === 'credit-check'
          ? { startTimer: { name: 'final', afterMs: 60_000 } }
          : undefined,
    );
    const p = plan([f]);
    feed(p, call().slice(0, 5));
    expect(p.nextDeadline()).toBe(T0 + 5_000);
    expect(p.expire(T0 + 4_999).records).toEqual([]);
    expect(f.seen.map((s) => s.point)).not.toContain('SipAccess_ServiceTimer');
    p.expire(T0 + 5_000);
    expect(f.seen.filter((s) => s.point === 'SipAccess_ServiceTimer').map((s) => s.ctx.timer)).toEqual([
      { name: 'credit-check' },
    ]);
    feed(p, call().slice(5));
    // The "final" timer (due at 65 s) went with the session.
    p.expire(T0 + 70_000);
    expect(f.seen.filter((s) => s.point === 'SipAccess_ServiceTimer')).toHaveLength(1);
  });

  it('a record that breaks the RU schema stays out of the output, carried whole in its note', () => {
    const watcher = new Recording('watcher', ['SipInstructionExecutionFailure']);
    const messages = call();
    // The callee's User-Agent becomes the ConnectEgress record's tUA.
    messages[2] = { ...messages[2]!, headers: { ...messages[2]!.headers, 'user-agent': 'x'.repeat(5000) } };
    const out = feed(plan([watcher]), messages);
    expect(out.types).toEqual(['ConnectIngress', 'DisconnectIngress', 'DisconnectEgress']);
    const failed = out.notes.filter((n) => n.kind === 'instruction-failed');
    expect(failed).toMatchObject([
      { instruction: 'record ConnectEgress', error: expect.stringMatching(/^tUA /) },
    ]);
    expect(failed[0]).toHaveProperty('record.type', 'ConnectEgress');
    expect(watcher.seen.map((w) => w.ctx.failure?.instruction)).toEqual(['record ConnectEgress']);
  });

  it('a message for no session is a stray note, never silent', () => {
    const out = feed(plan([]), [ingress({ at: 0, kind: 'request', method: 'BYE', toTag: 'b' })]);
    expect(out.notes).toEqual([{ kind: 'stray', at: T0, callId: 'in-1', reason: 'no leg for request BYE' }]);
  });
});
