/**
 * The session plan, pure: SIP messages in → the session model (session-table.ts) → the points in
 * session (points.ts), at which features observe, annotate, veto and start timers → the records
 * (call-records.ts) of what was not vetoed. No clock and no I/O, like the table: the shell
 * (session-intake.ts) calls `expire(now)` at `nextDeadline()` and logs and counts the notes.
 */
import { checkRecordingUnit, type RecordingUnit } from '../../proto/ru.js';
import type { CallRecorder } from './call-records.js';
import {
  type FeatureOutcome,
  type PointContext,
  type PointName,
  type SessionFeature,
  type SessionView,
  VETO_POINTS,
} from './points.js';
import type { LegRef, SessionChange, SessionTable } from './session-table.js';
import { legKey, type SipEvent } from './sip-event.js';

/** What the shell must log and count: nothing the plan leaves out of accounting is silent. */
export type PlanNote =
  | { kind: 'stray'; at: number; callId: string; reason: string }
  | {
      kind: 'vetoed';
      at: number;
      what: 'session' | 'leg';
      sessionId: string;
      callId: string;
      feature: string;
      reason: string;
    }
  | { kind: 'veto-ignored'; at: number; sessionId: string; feature: string; point: PointName; reason: string }
  /**
   * A feature threw (`feature <name>`), a record broke the RU schema (`record <type>`: kept out of
   * the spool, where it would poison its block, and carried here for the log), or the shell could
   * not carry out what the plan produced.
   */
  | {
      kind: 'instruction-failed';
      at: number;
      sessionId: string;
      instruction: string;
      point?: PointName;
      error: string;
      record?: RecordingUnit;
    };

export interface PlanOutput {
  records: RecordingUnit[];
  notes: PlanNote[];
}

interface SessionState {
  view: { id: string; tenant?: string; ivrProfile?: string; annotations: Record<string, string> };
  /** Accepted at SipAccess_SessionAccept (false until its first leg's INVITE was seen). */
  accepted: boolean;
  vetoed: boolean;
  timers: { name: string; at: number }[];
}

const refKey = (leg: LegRef) => legKey(leg.callId, leg.callerTag);

export class SessionPlan {
  private readonly sessions = new Map<string, SessionState>();
  /** Legs a feature vetoed at SipAccess_PartyRequest (their session may still be accounted). */
  private readonly vetoedLegs = new Set<string>();

  constructor(
    private readonly table: SessionTable,
    private readonly recorder: CallRecorder,
    private readonly features: readonly SessionFeature[],
  ) {}

  get liveSessionCount(): number {
    return this.table.liveSessionCount;
  }

  receive(e: SipEvent): PlanOutput {
    const out: PlanOutput = { records: [], notes: [] };
    for (const change of this.table.receive(e)) this.apply(change, out);
    return out;
  }

  /** Service timers that ran out by `now`, then the model's own timers (inactivity, audits). */
  expire(now: number): PlanOutput {
    const out: PlanOutput = { records: [], notes: [] };
    for (const s of this.sessions.values()) {
      const due = s.timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at);
      if (due.length === 0) continue;
      s.timers = s.timers.filter((t) => t.at > now);
      for (const t of due)
        if (!s.vetoed)
          this.run(s, { point: 'SipAccess_ServiceTimer', at: t.at, timer: { name: t.name } }, out);
    }
    for (const change of this.table.expire(now)) this.apply(change, out);
    return out;
  }

  nextDeadline(): number | undefined {
    let next = this.table.nextDeadline() ?? Number.POSITIVE_INFINITY;
    for (const s of this.sessions.values()) for (const t of s.timers) next = Math.min(next, t.at);
    return Number.isFinite(next) ? next : undefined;
  }

  /** The shell could not carry out what the plan produced (e.g. a record was refused). */
  failed(at: number, sessionId: string, instruction: string, error: string): PlanOutput {
    const out: PlanOutput = { records: [], notes: [] };
    const s = this.sessions.get(sessionId);
    if (s) this.runFailure(s, at, undefined, instruction, error, out);
    return out;
  }

  private apply(change: SessionChange, out: PlanOutput): void {
    switch (change.type) {
      case 'stray':
        out.notes.push({ kind: 'stray', at: change.at, callId: change.callId, reason: change.reason });
        return;
      case 'session-start':
        this.sessions.set(change.sessionId, {
          view: {
            id: change.sessionId,
            tenant: change.tenant,
            ivrProfile: change.ivrProfile,
            annotations: {},
          },
          accepted: false,
          vetoed: false,
          timers: [],
        });
        // Its points run with its first leg's INVITE, which the next change carries.
        this.recorder.record(change);
        return;
      case 'leg-start':
        this.startLeg(change, out);
        return;
      default:
        break;
    }
    const sessionId = change.type === 'session-end' ? change.sessionId : change.leg.sessionId;
    const s = this.sessions.get(sessionId);
    if (!s) return;
    if (change.type === 'session-end') {
      if (!s.vetoed) {
        this.run(s, { point: 'SipEndSession', at: change.at }, out);
        this.emit(s, change.at, this.recorder.record(change), out);
      }
      this.sessions.delete(sessionId);
      return;
    }
    const key = refKey(change.leg);
    if (s.vetoed || this.vetoedLegs.has(key)) {
      if (change.type === 'leg-end') this.vetoedLegs.delete(key);
      return;
    }
    if (change.type === 'leg-answer')
      this.run(
        s,
        { point: 'SipAccess_PartyResponse', at: change.at, leg: change.leg, message: change.response },
        out,
      );
    else if (change.type === 'mid-session')
      this.run(
        s,
        {
          point:
            change.message.kind === 'request' ? 'SipMidSession_PartyRequest' : 'SipMidSession_PartyResponse',
          at: change.at,
          leg: change.leg,
          message: change.message,
        },
        out,
      );
    else
      this.run(
        s,
        {
          point: 'SipLegEnd',
          at: change.at,
          leg: change.leg,
          legEnd: { cause: change.cause, ...(change.status === undefined ? {} : { status: change.status }) },
        },
        out,
      );
    this.emit(s, change.at, this.recorder.record(change), out);
  }

  private startLeg(change: Extract<SessionChange, { type: 'leg-start' }>, out: PlanOutput): void {
    const s = this.sessions.get(change.leg.sessionId);
    if (!s || s.vetoed) return;
    const { at, leg, invite } = change;
    if (!s.accepted) {
      const veto = this.run(s, { point: 'SipAccess_SessionAccept', at, leg, message: invite }, out);
      if (veto) {
        s.vetoed = true;
        s.timers = [];
        out.notes.push({
          kind: 'vetoed',
          at,
          what: 'session',
          sessionId: s.view.id,
          callId: leg.callId,
          ...veto,
        });
        return;
      }
      s.accepted = true;
      this.run(s, { point: 'SipAccess_SessionStart', at, leg, message: invite }, out);
    }
    const veto = this.run(s, { point: 'SipAccess_PartyRequest', at, leg, message: invite }, out);
    if (veto) {
      this.vetoedLegs.add(refKey(leg));
      out.notes.push({ kind: 'vetoed', at, what: 'leg', sessionId: s.view.id, callId: leg.callId, ...veto });
      return;
    }
    this.emit(s, at, this.recorder.record(change), out);
  }

  /** Outputs the records that pass the RU schema; any other is an instruction failure. */
  private emit(s: SessionState, at: number, records: RecordingUnit[], out: PlanOutput): void {
    for (const ru of records) {
      const checked = checkRecordingUnit(ru);
      if (checked.ok) out.records.push(checked.value);
      else {
        const { field, message } = checked.problem;
        this.runFailure(s, at, undefined, `record ${ru.type}`, `${field} ${message}`, out, undefined, ru);
      }
    }
  }

  /**
   * Runs the features that name `point`, in order, until one vetoes where a veto counts; returns that
   * veto. A feature that throws is reported and SipInstructionExecutionFailure runs for the others.
   */
  private run(
    s: SessionState,
    point: Omit<PointContext, 'session'>,
    out: PlanOutput,
  ): { feature: string; reason: string } | undefined {
    for (const f of this.features) {
      if (!f.points.includes(point.point)) continue;
      let outcome: FeatureOutcome | undefined;
      try {
        outcome = f.run({ ...point, session: this.view(s) });
      } catch (err) {
        this.runFailure(s, point.at, point.point, `feature ${f.name}`, (err as Error).message, out, f);
        continue;
      }
      if (!outcome) continue;
      if (outcome.annotate) Object.assign(s.view.annotations, outcome.annotate);
      if (outcome.startTimer)
        s.timers.push({
          name: outcome.startTimer.name,
          at: point.at + Math.max(0, outcome.startTimer.afterMs),
        });
      if (outcome.veto !== undefined) {
        if (VETO_POINTS[point.point]) return { feature: f.name, reason: outcome.veto };
        out.notes.push({
          kind: 'veto-ignored',
          at: point.at,
          sessionId: s.view.id,
          feature: f.name,
          point: point.point,
          reason: outcome.veto,
        });
      }
    }
    return undefined;
  }

  private runFailure(
    s: SessionState,
    at: number,
    where: PointName | undefined,
    instruction: string,
    error: string,
    out: PlanOutput,
    culprit?: SessionFeature,
    record?: RecordingUnit,
  ): void {
    out.notes.push({
      kind: 'instruction-failed',
      at,
      sessionId: s.view.id,
      instruction,
      ...(where === undefined ? {} : { point: where }),
      error,
      ...(record === undefined ? {} : { record }),
    });
    // Not for a failure at the failure point itself: that could run it again for ever.
    if (where === 'SipInstructionExecutionFailure') return;
    const failure = { instruction, ...(where === undefined ? {} : { point: where }), error };
    for (const f of this.features) {
      if (f === culprit || !f.points.includes('SipInstructionExecutionFailure')) continue;
      try {
        f.run({ point: 'SipInstructionExecutionFailure', at, session: this.view(s), failure });
      } catch (err) {
        out.notes.push({
          kind: 'instruction-failed',
          at,
          sessionId: s.view.id,
          instruction: `feature ${f.name}`,
          point: 'SipInstructionExecutionFailure',
          error: (err as Error).message,
        });
      }
    }
  }

  private view(s: SessionState): SessionView {
    return { ...s.view, annotations: { ...s.view.annotations } };
  }
}
