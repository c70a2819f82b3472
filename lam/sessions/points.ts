/**
 * Points in session (sessions.md §4.2, the Sentinel SIP session plan): the named moments at which a
 * feature — the application's own code or a plug-in — observes a session, annotates it, vetoes it
 * or starts a service timer. The session plan (session-plan.ts) runs them; what a veto drops and
 * where each point sits in the call are decided in D36.
 *
 *   first INVITE of a session  → SipAccess_SessionAccept (veto: the session is not accounted)
 *                              → SipAccess_SessionStart
 *   INVITE of each leg         → SipAccess_PartyRequest  (veto: this leg is not accounted)
 *   its 2xx                    → SipAccess_PartyResponse
 *   requests/responses inside an answered leg → SipMidSession_PartyRequest / _PartyResponse
 *   a leg ends (any cause)     → SipLegEnd
 *   its session's last leg ended → SipEndSession
 *   a timer a feature started  → SipAccess_ServiceTimer
 *   a feature threw, or a record it led to was refused → SipInstructionExecutionFailure
 */
import type { LegEndCause, LegRef } from './session-table.js';
import type { SipEvent } from './sip-event.js';

export const POINTS = [
  'SipAccess_SessionAccept',
  'SipAccess_SessionStart',
  'SipAccess_PartyRequest',
  'SipAccess_PartyResponse',
  'SipMidSession_PartyRequest',
  'SipMidSession_PartyResponse',
  'SipLegEnd',
  'SipEndSession',
  'SipAccess_ServiceTimer',
  'SipInstructionExecutionFailure',
] as const;
export type PointName = (typeof POINTS)[number];

/** The points at which a veto is honoured, and what it keeps out of accounting. */
export const VETO_POINTS: Readonly<Partial<Record<PointName, 'session' | 'leg'>>> = {
  SipAccess_SessionAccept: 'session',
  SipAccess_PartyRequest: 'leg',
};

/** What a feature sees of the session (annotations by earlier features and points included). */
export interface SessionView {
  readonly id: string;
  readonly tenant?: string;
  readonly ivrProfile?: string;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface PointContext {
  readonly point: PointName;
  /** The time of the event that triggered the point (ms since the epoch). */
  readonly at: number;
  readonly session: SessionView;
  readonly leg?: LegRef;
  /** The SIP request or response that triggered the point, where there is one. */
  readonly message?: SipEvent;
  readonly legEnd?: { readonly cause: LegEndCause; readonly status?: number };
  /** SipAccess_ServiceTimer: the timer that ran out. */
  readonly timer?: { readonly name: string };
  /** SipInstructionExecutionFailure: what failed, where. */
  readonly failure?: { readonly instruction: string; readonly point?: PointName; readonly error: string };
}

export interface FeatureOutcome {
  /** Set on the session; later points and features see them (`SessionView.annotations`). */
  annotate?: Record<string, string>;
  /** Why the session or leg is refused; honoured only at VETO_POINTS, reported elsewhere. */
  veto?: string;
  /** Runs SipAccess_ServiceTimer for this session after `afterMs` (cancelled when it ends). */
  startTimer?: { name: string; afterMs: number };
}

/** A plug-in: runs at the points it names, synchronously, and must not block. */
export interface SessionFeature {
  readonly name: string;
  readonly points: readonly PointName[];
  run(ctx: PointContext): FeatureOutcome | undefined;
}
