/**
 * The LAM's session model (sessions.md §1–§3), pure: sessions made of legs, fed SIP messages one at a
 * time, answering with what changed. No clock and no I/O: every message carries its time and the
 * shell calls `expire(now)` at `nextDeadline()`. Table-tested in test/unit/session-table.test.ts.
 *
 * - A **session** is the GVP logical session: identified by `X-Genesys-GVP-Session-ID` when the
 *   INVITE carries one, generated otherwise. An INVITE naming a session we know adds a leg to it;
 *   one naming a session we do not know (it timed out, or another server made it) starts a session
 *   under that id, accepted without further checks as the seed says (§2, step 8).
 * - A **leg** is one INVITE dialog, keyed by Call-ID and the caller's tag. It is answered by the
 *   INVITE's first 2xx and ends on BYE, on a final failure of its INVITE (after a CANCEL: cause
 *   `cancel`), when its inactivity timer runs out (cleaned up as if a BYE had arrived), or when a
 *   long-call audit finds its session timer expired without a refresh.
 * - The **inactivity timer** is restarted by every request and every 2xx on the leg (the seed says
 *   "200 OK"; any 2xx is the same answer) — not by provisional responses.
 * - The **long-call audit** runs every `auditIntervalMs` on an answered leg with a session timer:
 *   a refresh (a 2xx to a re-INVITE or UPDATE) more than Session-Expires ago fails it (D34).
 * - A session's **tenant** is decided once, at its first INVITE, by the TenantResolver.
 */
import { GVP_SESSION_HEADER, type GvpSessionId, parseGvpSessionId } from './gvp-header.js';
import { legKey, type SipEvent } from './sip-event.js';
import { applicableInactivityMs, type InactivityTimers } from './timers.js';

/** Decides which company a session belongs to (the service-provider layer's attribution rules). */
export interface TenantResolver {
  tenantOf(invite: SipEvent, gvp: GvpSessionId | undefined): string | undefined;
}

/** Makes identifiers for sessions that arrive without one. */
export interface SessionIdSource {
  newSessionId(): string;
}

export interface SessionTableOptions {
  inactivity: InactivityTimers;
  /** 0: no long-call audit. */
  auditIntervalMs: number;
  /**
   * How long an ended leg still absorbs its trailing messages (the 200 to a BYE, the ACK of a 487)
   * before they count as strays: 64·T1 = 32 s, the longest a SIP transaction lasts.
   */
  lingerMs: number;
}

export type LegEndCause = 'bye' | 'cancel' | 'rejected' | 'inactivity' | 'long-call-audit';

export interface LegRef {
  sessionId: string;
  /** The first leg of a session is its ingress (the originator's); later legs are egress. */
  direction: 'ingress' | 'egress';
  callId: string;
  callerTag: string;
}

export type SessionChange =
  | { type: 'session-start'; at: number; sessionId: string; tenant?: string; ivrProfile?: string }
  | { type: 'leg-start'; at: number; leg: LegRef; source?: string; invite: SipEvent }
  | { type: 'leg-answer'; at: number; leg: LegRef; sessionExpires?: number; response: SipEvent }
  /** A request or response inside an answered leg, other than its BYE (re-INVITE, REFER, NOTIFY…). */
  | { type: 'mid-session'; at: number; leg: LegRef; message: SipEvent }
  | { type: 'leg-end'; at: number; leg: LegRef; cause: LegEndCause; status?: number }
  | { type: 'session-end'; at: number; sessionId: string }
  /** A message for no leg we know or remember: counted and logged by the shell, never silent. */
  | { type: 'stray'; at: number; callId: string; reason: string };

interface Leg {
  ref: LegRef;
  calleeTag?: string;
  state: 'trying' | 'early' | 'confirmed';
  cancelled: boolean;
  inactivityMs: number;
  lastActivityAt: number;
  sessionExpires?: number;
  lastRefreshAt?: number;
  nextAuditAt?: number;
}

interface Session {
  id: string;
  tenant?: string;
  ivrProfile?: string;
  liveLegs: Set<string>;
}

/** Reads the delta-seconds of a Session-Expires value (`1800;refresher=uac`). */
function sessionExpiresOf(e: SipEvent): number | undefined {
  const value = e.headers['session-expires'];
  if (value === undefined) return undefined;
  const seconds = Number((value.split(';')[0] ?? '').trim());
  return Number.isInteger(seconds) && seconds > 0 ? seconds : undefined;
}

export class SessionTable {
  private readonly legs = new Map<string, Leg>();
  private readonly sessions = new Map<string, Session>();
  /** Ended legs still absorbing trailing messages, with when they stop. */
  private readonly lingering = new Map<string, number>();

  constructor(
    private readonly options: SessionTableOptions,
    private readonly tenants: TenantResolver,
    private readonly ids: SessionIdSource,
  ) {}

  get liveLegCount(): number {
    return this.legs.size;
  }

  get liveSessionCount(): number {
    return this.sessions.size;
  }

  receive(e: SipEvent): SessionChange[] {
    const key = this.findLeg(e);
    const leg = key ? this.legs.get(key) : undefined;
    if (!leg) {
      if (key && this.lingering.has(key)) return [];
      if (e.kind === 'request' && e.method === 'INVITE' && e.toTag === undefined) return this.startLeg(e);
      return [{ type: 'stray', at: e.at, callId: e.callId, reason: `no leg for ${e.kind} ${e.method}` }];
    }
    const ref = leg.ref;
    if (e.kind === 'request') {
      leg.lastActivityAt = Math.max(leg.lastActivityAt, e.at);
      if (e.method === 'BYE') return this.endLeg(key!, e.at, 'bye');
      if (e.method === 'CANCEL' && leg.state !== 'confirmed') leg.cancelled = true;
      return leg.state === 'confirmed' ? [{ type: 'mid-session', at: e.at, leg: ref, message: e }] : [];
    }
    const status = e.status!;
    if (status >= 200 && status < 300) leg.lastActivityAt = Math.max(leg.lastActivityAt, e.at);
    if (leg.state === 'confirmed') {
      // A refresh: a 2xx to a re-INVITE or UPDATE restarts the session timer.
      if (status >= 200 && status < 300 && (e.method === 'INVITE' || e.method === 'UPDATE')) {
        leg.lastRefreshAt = e.at;
        leg.sessionExpires = sessionExpiresOf(e) ?? leg.sessionExpires;
      }
      return e.method === 'BYE' ? [] : [{ type: 'mid-session', at: e.at, leg: ref, message: e }];
    }
    if (e.method !== 'INVITE') return [];
    if (status < 200) {
      if (e.toTag !== undefined) {
        leg.state = 'early';
        leg.calleeTag = e.toTag;
      }
      return [];
    }
    if (status < 300) {
      leg.state = 'confirmed';
      leg.calleeTag = e.toTag ?? leg.calleeTag;
      leg.sessionExpires = sessionExpiresOf(e);
      leg.lastRefreshAt = e.at;
      if (this.options.auditIntervalMs > 0) leg.nextAuditAt = e.at + this.options.auditIntervalMs;
      return [{ type: 'leg-answer', at: e.at, leg: ref, sessionExpires: leg.sessionExpires, response: e }];
    }
    return this.endLeg(key!, e.at, leg.cancelled ? 'cancel' : 'rejected', status);
  }

  /** Ends what has timed out by `now`: inactive legs, failed long-call audits; forgets lingering legs. */
  expire(now: number): SessionChange[] {
    const changes: SessionChange[] = [];
    for (const [key, until] of this.lingering) if (until <= now) this.lingering.delete(key);
    for (const [key, leg] of [...this.legs]) {
      if (now >= leg.lastActivityAt + leg.inactivityMs) {
        changes.push(...this.endLeg(key, now, 'inactivity'));
        continue;
      }
      if (leg.nextAuditAt === undefined || now < leg.nextAuditAt) continue;
      if (leg.sessionExpires !== undefined && now > leg.lastRefreshAt! + leg.sessionExpires * 1000) {
        changes.push(...this.endLeg(key, now, 'long-call-audit'));
        continue;
      }
      const interval = this.options.auditIntervalMs;
      leg.nextAuditAt += Math.ceil((now - leg.nextAuditAt + 1) / interval) * interval;
    }
    return changes;
  }

  /** When `expire` next has something to do; undefined when nothing is pending. */
  nextDeadline(): number | undefined {
    let next = Number.POSITIVE_INFINITY;
    for (const leg of this.legs.values()) {
      next = Math.min(next, leg.lastActivityAt + leg.inactivityMs);
      if (leg.nextAuditAt !== undefined) next = Math.min(next, leg.nextAuditAt);
    }
    for (const until of this.lingering.values()) next = Math.min(next, until);
    return Number.isFinite(next) ? next : undefined;
  }

  private findLeg(e: SipEvent): string | undefined {
    const byCaller = legKey(e.callId, e.fromTag);
    if (this.legs.has(byCaller) || this.lingering.has(byCaller)) return byCaller;
    if (e.toTag === undefined) return byCaller;
    const byCallee = legKey(e.callId, e.toTag);
    return this.legs.has(byCallee) || this.lingering.has(byCallee) ? byCallee : byCaller;
  }

  private startLeg(invite: SipEvent): SessionChange[] {
    const changes: SessionChange[] = [];
    const header = invite.headers[GVP_SESSION_HEADER];
    const gvp = header === undefined ? undefined : parseGvpSessionId(header);
    let session = gvp ? this.sessions.get(gvp.id) : undefined;
    const joining = session !== undefined;
    if (!session) {
      session = {
        id: gvp?.id ?? this.ids.newSessionId(),
        tenant: this.tenants.tenantOf(invite, gvp),
        ivrProfile: gvp?.ivrProfile,
        liveLegs: new Set(),
      };
      this.sessions.set(session.id, session);
      changes.push({
        type: 'session-start',
        at: invite.at,
        sessionId: session.id,
        tenant: session.tenant,
        ivrProfile: session.ivrProfile,
      });
    }
    const key = legKey(invite.callId, invite.fromTag);
    const ref: LegRef = {
      sessionId: session.id,
      direction: joining ? 'egress' : 'ingress',
      callId: invite.callId,
      callerTag: invite.fromTag,
    };
    this.legs.set(key, {
      ref,
      state: 'trying',
      cancelled: false,
      inactivityMs: applicableInactivityMs(this.options.inactivity, {
        ivrProfile: session.ivrProfile,
        tenant: session.tenant,
        source: invite.source,
      }),
      lastActivityAt: invite.at,
    });
    session.liveLegs.add(key);
    changes.push({ type: 'leg-start', at: invite.at, leg: ref, source: invite.source, invite });
    return changes;
  }

  private endLeg(key: string, at: number, cause: LegEndCause, status?: number): SessionChange[] {
    const leg = this.legs.get(key)!;
    this.legs.delete(key);
    this.lingering.set(key, at + this.options.lingerMs);
    const changes: SessionChange[] = [
      { type: 'leg-end', at, leg: leg.ref, cause, ...(status === undefined ? {} : { status }) },
    ];
    const session = this.sessions.get(leg.ref.sessionId)!;
    session.liveLegs.delete(key);
    if (session.liveLegs.size === 0) {
      this.sessions.delete(session.id);
      changes.push({ type: 'session-end', at, sessionId: session.id });
    }
    return changes;
  }
}
