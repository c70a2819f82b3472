import { describe, expect, it } from 'vitest';
import { formatGvpSessionId, parseGvpSessionId } from '../../lam/sessions/gvp-header.js';
import { type SessionChange, SessionTable, type TenantResolver } from '../../lam/sessions/session-table.js';
import { type SipEvent, sipEventSchema } from '../../lam/sessions/sip-event.js';
import { applicableInactivityMs } from '../../lam/sessions/timers.js';

const INACTIVITY = 60_000;
const AUDIT = 300_000;

/** Tenants by the gateway a session came in from; the IVR Profile wins when it names one. */
const tenants: TenantResolver = {
  tenantOf: (invite, gvp) =>
    gvp?.ivrProfile === 'acme-ivr' ? 'acme' : invite.source === 'gw-1' ? 'globex' : undefined,
};

function table(auditIntervalMs = AUDIT) {
  let n = 0;
  return new SessionTable(
    { inactivity: { defaultMs: INACTIVITY, byTenant: { acme: 120_000 } }, auditIntervalMs, lingerMs: 32_000 },
    tenants,
    { newSessionId: () => `gen-${++n}` },
  );
}

type Step = { at: number } & (
  | {
      req: string;
      call?: string;
      from?: string;
      to?: string;
      headers?: Record<string, string>;
      source?: string;
    }
  | {
      res: number;
      method?: string;
      call?: string;
      from?: string;
      to?: string;
      headers?: Record<string, string>;
    }
  | { expire: true }
);

/** Runs the steps (messages and expiries) and returns every change, in order. */
function run(steps: Step[], t = table()): Change[] {
  const out: SessionChange[] = [];
  for (const s of steps) {
    if ('expire' in s) {
      out.push(...t.expire(s.at));
      continue;
    }
    const base = {
      at: s.at,
      callId: s.call ?? 'c1',
      fromTag: s.from ?? 'a',
      toTag: s.to,
      headers: s.headers ?? {},
    };
    const event: SipEvent =
      'req' in s
        ? sipEventSchema.parse({ ...base, kind: 'request', method: s.req, source: s.source })
        : sipEventSchema.parse({ ...base, kind: 'response', method: s.method ?? 'INVITE', status: s.res });
    out.push(...t.receive(event));
  }
  return out
    .filter((c): c is Exclude<SessionChange, { type: 'mid-session' }> => c.type !== 'mid-session')
    .map(withoutMessages);
}

/** The leg changes carry the SIP message they came from (for the records); the tables compare the rest. */
type Bare<T> = T extends { type: 'leg-start' }
  ? Omit<T, 'invite'>
  : T extends { type: 'leg-answer' }
    ? Omit<T, 'response'>
    : T;
type Change = Bare<Exclude<SessionChange, { type: 'mid-session' }>>;

function withoutMessages(c: Exclude<SessionChange, { type: 'mid-session' }>): Change {
  if (c.type === 'leg-start') {
    const { invite: _invite, ...rest } = c;
    return rest;
  }
  if (c.type === 'leg-answer') {
    const { response: _response, ...rest } = c;
    return rest;
  }
  return c;
}

/** A session's first leg is its ingress; a leg that joins it (by the GVP header) is an egress. */
const leg = (sessionId: string, callId = 'c1', callerTag = 'a') => ({
  sessionId,
  direction: callId === 'c1' ? ('ingress' as const) : ('egress' as const),
  callId,
  callerTag,
});

describe('SessionTable: legs from SIP messages', () => {
  it.each<[string, Step[], Change[]]>([
    [
      'answered call, caller hangs up',
      [
        { at: 0, req: 'INVITE', source: 'gw-1' },
        { at: 100, res: 180, to: 'b' },
        { at: 2_000, res: 200, to: 'b', headers: { 'session-expires': '1800;refresher=uac' } },
        { at: 2_050, req: 'ACK', to: 'b' },
        { at: 30_000, req: 'BYE', to: 'b' },
        { at: 30_010, res: 200, method: 'BYE', to: 'b' },
      ],
      [
        { type: 'session-start', at: 0, sessionId: 'gen-1', tenant: 'globex', ivrProfile: undefined },
        { type: 'leg-start', at: 0, leg: leg('gen-1'), source: 'gw-1' },
        { type: 'leg-answer', at: 2_000, leg: leg('gen-1'), sessionExpires: 1800 },
        { type: 'leg-end', at: 30_000, leg: leg('gen-1'), cause: 'bye' },
        { type: 'session-end', at: 30_000, sessionId: 'gen-1' },
      ],
    ],
    [
      'callee hangs up (its BYE carries the caller tag as To)',
      [
        { at: 0, req: 'INVITE' },
        { at: 1_000, res: 200, to: 'b' },
        { at: 5_000, req: 'BYE', from: 'b', to: 'a' },
      ],
      [
        { type: 'session-start', at: 0, sessionId: 'gen-1', tenant: undefined, ivrProfile: undefined },
        { type: 'leg-start', at: 0, leg: leg('gen-1'), source: undefined },
        { type: 'leg-answer', at: 1_000, leg: leg('gen-1'), sessionExpires: undefined },
        { type: 'leg-end', at: 5_000, leg: leg('gen-1'), cause: 'bye' },
        { type: 'session-end', at: 5_000, sessionId: 'gen-1' },
      ],
    ],
    [
      'busy',
      [
        { at: 0, req: 'INVITE' },
        { at: 300, res: 486, to: 'b' },
        { at: 310, req: 'ACK', to: 'b' },
      ],
      [
        { type: 'session-start', at: 0, sessionId: 'gen-1', tenant: undefined, ivrProfile: undefined },
        { type: 'leg-start', at: 0, leg: leg('gen-1'), source: undefined },
        { type: 'leg-end', at: 300, leg: leg('gen-1'), cause: 'rejected', status: 486 },
        { type: 'session-end', at: 300, sessionId: 'gen-1' },
      ],
    ],
    [
      'no answer, CANCEL: the leg ends at the 487 with cause cancel',
      [
        { at: 0, req: 'INVITE' },
        { at: 100, res: 180, to: 'b' },
        { at: 20_000, req: 'CANCEL' },
        { at: 20_010, res: 200, method: 'CANCEL' },
        { at: 20_020, res: 487, to: 'b' },
      ],
      [
        { type: 'session-start', at: 0, sessionId: 'gen-1', tenant: undefined, ivrProfile: undefined },
        { type: 'leg-start', at: 0, leg: leg('gen-1'), source: undefined },
        { type: 'leg-end', at: 20_020, leg: leg('gen-1'), cause: 'cancel', status: 487 },
        { type: 'session-end', at: 20_020, sessionId: 'gen-1' },
      ],
    ],
    [
      'a leg that goes silent is cleaned up as if BYE, at its inactivity deadline',
      [
        { at: 0, req: 'INVITE' },
        { at: 1_000, res: 200, to: 'b' },
        { at: 40_000, req: 'INFO', to: 'b' },
        { at: 99_999, expire: true },
        { at: 100_000, expire: true },
      ],
      [
        { type: 'session-start', at: 0, sessionId: 'gen-1', tenant: undefined, ivrProfile: undefined },
        { type: 'leg-start', at: 0, leg: leg('gen-1'), source: undefined },
        { type: 'leg-answer', at: 1_000, leg: leg('gen-1'), sessionExpires: undefined },
        { type: 'leg-end', at: 100_000, leg: leg('gen-1'), cause: 'inactivity' },
        { type: 'session-end', at: 100_000, sessionId: 'gen-1' },
      ],
    ],
    [
      'provisional responses do not restart the inactivity timer',
      [
        { at: 0, req: 'INVITE' },
        { at: 50_000, res: 183, to: 'b' },
        { at: 60_000, expire: true },
      ],
      [
        { type: 'session-start', at: 0, sessionId: 'gen-1', tenant: undefined, ivrProfile: undefined },
        { type: 'leg-start', at: 0, leg: leg('gen-1'), source: undefined },
        { type: 'leg-end', at: 60_000, leg: leg('gen-1'), cause: 'inactivity' },
        { type: 'session-end', at: 60_000, sessionId: 'gen-1' },
      ],
    ],
    [
      'a second leg joins the session its GVP header names; the session ends with its last leg',
      [
        { at: 0, req: 'INVITE', headers: { 'x-genesys-gvp-session-id': 'S9;gvp.rm.tenant-id=acme-ivr' } },
        { at: 500, res: 200, to: 'b' },
        { at: 600, req: 'INVITE', call: 'c2', from: 'x', headers: { 'x-genesys-gvp-session-id': 'S9' } },
        { at: 900, res: 200, call: 'c2', from: 'x', to: 'y' },
        { at: 5_000, req: 'BYE', to: 'b' },
        { at: 6_000, req: 'BYE', call: 'c2', from: 'x', to: 'y' },
      ],
      [
        { type: 'session-start', at: 0, sessionId: 'S9', tenant: 'acme', ivrProfile: 'acme-ivr' },
        { type: 'leg-start', at: 0, leg: leg('S9'), source: undefined },
        { type: 'leg-answer', at: 500, leg: leg('S9'), sessionExpires: undefined },
        { type: 'leg-start', at: 600, leg: leg('S9', 'c2', 'x'), source: undefined },
        { type: 'leg-answer', at: 900, leg: leg('S9', 'c2', 'x'), sessionExpires: undefined },
        { type: 'leg-end', at: 5_000, leg: leg('S9'), cause: 'bye' },
        { type: 'leg-end', at: 6_000, leg: leg('S9', 'c2', 'x'), cause: 'bye' },
        { type: 'session-end', at: 6_000, sessionId: 'S9' },
      ],
    ],
    [
      'the tenant decides the inactivity interval (acme: 120 s)',
      [
        { at: 0, req: 'INVITE', headers: { 'x-genesys-gvp-session-id': 'S1;gvp.rm.tenant-id=acme-ivr' } },
        { at: 60_000, expire: true },
        { at: 120_000, expire: true },
      ],
      [
        { type: 'session-start', at: 0, sessionId: 'S1', tenant: 'acme', ivrProfile: 'acme-ivr' },
        { type: 'leg-start', at: 0, leg: leg('S1'), source: undefined },
        { type: 'leg-end', at: 120_000, leg: leg('S1'), cause: 'inactivity' },
        { type: 'session-end', at: 120_000, sessionId: 'S1' },
      ],
    ],
    [
      'messages after the end are absorbed while the leg lingers, strays after',
      [
        { at: 0, req: 'INVITE' },
        { at: 10, res: 486, to: 'b' },
        { at: 20, req: 'ACK', to: 'b' },
        { at: 40_000, expire: true },
        { at: 40_001, req: 'ACK', to: 'b' },
        { at: 40_002, req: 'BYE', call: 'unknown', to: 'z' },
      ],
      [
        { type: 'session-start', at: 0, sessionId: 'gen-1', tenant: undefined, ivrProfile: undefined },
        { type: 'leg-start', at: 0, leg: leg('gen-1'), source: undefined },
        { type: 'leg-end', at: 10, leg: leg('gen-1'), cause: 'rejected', status: 486 },
        { type: 'session-end', at: 10, sessionId: 'gen-1' },
        { type: 'stray', at: 40_001, callId: 'c1', reason: 'no leg for request ACK' },
        { type: 'stray', at: 40_002, callId: 'unknown', reason: 'no leg for request BYE' },
      ],
    ],
  ])('%s', (_case, steps, changes) => {
    expect(run(steps)).toEqual(changes);
  });
});

describe('SessionTable: long calls and session refresh', () => {
  const answered: Step[] = [
    { at: 0, req: 'INVITE' },
    { at: 1_000, res: 200, to: 'b', headers: { 'session-expires': '1800' } },
  ];

  it('a call refreshed in time passes every audit and ends normally', () => {
    const steps: Step[] = [...answered];
    // A re-INVITE every 15 min refreshes the session timer (1800 s); an OPTIONS every 50 s keeps
    // the leg active (inactivity 60 s).
    for (let t = 50_000; t < 3 * 3_600_000; t += 50_000) steps.push({ at: t, req: 'OPTIONS', to: 'b' });
    for (let t = 900_000; t < 3 * 3_600_000; t += 900_000) {
      steps.push({ at: t + 1, req: 'INVITE', to: 'b' }, { at: t + 2, res: 200, to: 'b' });
    }
    steps.sort((x, y) => x.at - y.at);
    const t = table();
    const withAudits: Step[] = [];
    for (const s of steps) {
      withAudits.push(s);
      if (s.at % AUDIT < 50_000) withAudits.push({ at: s.at, expire: true });
    }
    const changes = run([...withAudits, { at: 3 * 3_600_000, req: 'BYE', to: 'b' }], t);
    expect(changes.map((c) => c.type)).toEqual([
      'session-start',
      'leg-start',
      'leg-answer',
      'leg-end',
      'session-end',
    ]);
    expect(changes[3]).toMatchObject({ cause: 'bye' });
  });

  it('a call whose session timer expired without a refresh fails the next audit', () => {
    const t = table();
    const steps: Step[] = [...answered];
    for (let at = 50_000; at <= 2_100_000; at += 50_000) steps.push({ at, req: 'OPTIONS', to: 'b' });
    run(steps, t);
    // Audits at 301 s, 601 s, … 1801 s pass (refreshed at 1 s, expires at 1801 s); 2101 s fails.
    expect(t.nextDeadline()).toBe(1_000 + AUDIT);
    expect(t.expire(1_000 + 6 * AUDIT)).toEqual([]);
    expect(t.nextDeadline()).toBe(1_000 + 7 * AUDIT);
    expect(t.expire(1_000 + 7 * AUDIT)).toEqual([
      { type: 'leg-end', at: 2_101_000, leg: leg('gen-1'), cause: 'long-call-audit' },
      { type: 'session-end', at: 2_101_000, sessionId: 'gen-1' },
    ]);
  });

  it('without Session-Expires the audit has nothing to fail on', () => {
    const t = table();
    const steps: Step[] = [
      { at: 0, req: 'INVITE' },
      { at: 1_000, res: 200, to: 'b' },
    ];
    for (let at = 50_000; at <= 4_000_000; at += 50_000)
      steps.push({ at, req: 'OPTIONS', to: 'b' }, { at, expire: true });
    expect(run(steps, t).filter((c) => c.type === 'leg-end')).toEqual([]);
    expect(t.liveLegCount).toBe(1);
  });

  it('nextDeadline is the earliest of inactivity, audit and linger; undefined when idle', () => {
    const t = table();
    expect(t.nextDeadline()).toBeUndefined();
    run(answered, t);
    expect(t.nextDeadline()).toBe(1_000 + INACTIVITY);
    run([{ at: 2_000, req: 'BYE', to: 'b' }], t);
    expect(t.nextDeadline()).toBe(2_000 + 32_000);
    t.expire(34_000);
    expect(t.nextDeadline()).toBeUndefined();
    expect([t.liveLegCount, t.liveSessionCount]).toEqual([0, 0]);
  });
});

describe('sipEventSchema names what is wrong', () => {
  it.each<[string, unknown, string]>([
    [
      'response without status',
      { at: 1, kind: 'response', method: 'INVITE', callId: 'c', fromTag: 'a' },
      'status',
    ],
    [
      'request with status',
      { at: 1, kind: 'request', method: 'BYE', status: 200, callId: 'c', fromTag: 'a' },
      'status',
    ],
    ['lower-case method', { at: 1, kind: 'request', method: 'invite', callId: 'c', fromTag: 'a' }, 'method'],
    ['no Call-ID', { at: 1, kind: 'request', method: 'INVITE', fromTag: 'a' }, 'callId'],
    [
      'header name not lower case',
      {
        at: 1,
        kind: 'request',
        method: 'INVITE',
        callId: 'c',
        fromTag: 'a',
        headers: { 'Session-Expires': '90' },
      },
      'headers',
    ],
  ])('%s', (_case, event, field) => {
    const result = sipEventSchema.safeParse(event);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path[0])).toContain(field);
  });
});

describe('X-Genesys-GVP-Session-ID', () => {
  it.each<[string, ReturnType<typeof parseGvpSessionId>]>([
    ['S1', { id: 'S1', ivrProfile: undefined, dataNodes: undefined, ctiCall: false }],
    [
      'S1;gvp.rm.datanodes=1|2;gvp.rm.tenant-id=IVR_A',
      { id: 'S1', ivrProfile: 'IVR_A', dataNodes: '1|2', ctiCall: false },
    ],
    [' S2 ; GVP.RM.CTI-CALL=1 ', { id: 'S2', ivrProfile: undefined, dataNodes: undefined, ctiCall: true }],
    [';gvp.rm.tenant-id=x', undefined],
    ['', undefined],
  ])('%j', (value, parsed) => {
    expect(parseGvpSessionId(value)).toEqual(parsed);
  });

  it('formats what it parses', () => {
    const value = 'S1;gvp.rm.datanodes=2|1;gvp.rm.cti-call=1;gvp.rm.tenant-id=IVR_A';
    expect(formatGvpSessionId(parseGvpSessionId(value)!)).toBe(value);
  });
});

describe('applicableInactivityMs: the most specific level wins', () => {
  const timers = { defaultMs: 1, byResource: { gw: 2 }, byTenant: { t: 3 }, byIvrProfile: { p: 4 } };
  it.each<[object, number]>([
    [{}, 1],
    [{ source: 'gw' }, 2],
    [{ source: 'gw', tenant: 't' }, 3],
    [{ source: 'gw', tenant: 't', ivrProfile: 'p' }, 4],
    [{ tenant: 'other', ivrProfile: 'other' }, 1],
    [{ tenant: 'constructor' }, 1],
  ])('%j → %d', (ctx, ms) => {
    expect(applicableInactivityMs(timers, ctx)).toBe(ms);
  });
});
