/**
 * The Session-Expires / Min-SE decision on an initial INVITE (the GVP seed's table, sessions.md
 * §3.2), as a pure function of the request's headers and the applicable timers; table-tested in
 * test/unit/session-expires.test.ts. Where the seed's table is ambiguous the choices follow
 * RFC 4028 and are recorded in docs/decisions.md (D34):
 * - rejection comes first and answers 422 Session Interval Too Small with our Min-SE (RFC 4028 §8.1);
 * - SE = T is used unchanged (row 4 read as "SE ≤ T");
 * - `timer` in Supported without Session-Expires: nothing is added (the seed adds only when both
 *   are absent; the UAS may still ask for a session timer in its answer);
 * - "valid" means a whole number of seconds, not below the request's own Min-SE (else 400);
 * - Min-SE, Supported and Require are never changed: only Session-Expires is added or reduced.
 */

/** What the initial INVITE says about session timers. */
export interface SessionTimerRequest {
  /** Session-Expires delta-seconds, when the header is present. */
  sessionExpires?: number;
  /** Min-SE delta-seconds, when the header is present. */
  minSE?: number;
  /** The Supported header lists the `timer` option. */
  supportsTimer: boolean;
}

/** The timers that apply to this session (see applicableTimer for where T comes from). */
export interface SessionTimerPolicy {
  /** T: the applicable session timer, seconds. */
  sessionExpires: number;
  /** proxy.sip.min_se: the smallest Session-Expires this server accepts, seconds. */
  minSE: number;
}

export type SessionTimerDecision =
  | { action: 'add'; sessionExpires: number; rule: 0 }
  | { action: 'none'; rule: 'timer-supported' }
  | { action: 'reduce'; sessionExpires: number; rule: 1 | 2 }
  | { action: 'use'; sessionExpires: number; rule: 4 }
  | { action: 'reject'; status: 422; minSE: number; rule: 3; reason: string }
  | { action: 'reject'; status: 400; rule: 'invalid'; reason: string };

/** RFC 4028 §4: no Min-SE may be below 90 seconds. */
export const RFC4028_MIN_SE = 90;

/** A problem with the policy itself (checked where the configuration is validated), or undefined. */
export function sessionTimerPolicyProblem(policy: SessionTimerPolicy): string | undefined {
  if (!Number.isInteger(policy.minSE) || policy.minSE < RFC4028_MIN_SE)
    return `min_se ${policy.minSE} must be a whole number of seconds ≥ ${RFC4028_MIN_SE} (RFC 4028)`;
  if (!Number.isInteger(policy.sessionExpires) || policy.sessionExpires < policy.minSE)
    return `the session timer ${policy.sessionExpires} must be a whole number of seconds ≥ min_se ${policy.minSE}`;
  return undefined;
}

const wholeSeconds = (n: number) => Number.isInteger(n) && n >= 0;

export function decideSessionExpires(
  request: SessionTimerRequest,
  policy: SessionTimerPolicy,
): SessionTimerDecision {
  const { sessionExpires: se, minSE } = request;
  const t = policy.sessionExpires;
  if (minSE !== undefined && !wholeSeconds(minSE))
    return { action: 'reject', status: 400, rule: 'invalid', reason: `Min-SE ${minSE} is not delta-seconds` };
  if (se === undefined)
    return request.supportsTimer
      ? { action: 'none', rule: 'timer-supported' }
      : { action: 'add', sessionExpires: t, rule: 0 };
  if (!wholeSeconds(se))
    return {
      action: 'reject',
      status: 400,
      rule: 'invalid',
      reason: `Session-Expires ${se} is not delta-seconds`,
    };
  if (minSE !== undefined && se < minSE)
    return {
      action: 'reject',
      status: 400,
      rule: 'invalid',
      reason: `Session-Expires ${se} is below the request's own Min-SE ${minSE}`,
    };
  if (se < policy.minSE)
    return {
      action: 'reject',
      status: 422,
      minSE: policy.minSE,
      rule: 3,
      reason: `Session-Expires ${se} is below this server's Min-SE ${policy.minSE}`,
    };
  if (se > t)
    return minSE !== undefined
      ? { action: 'reduce', sessionExpires: Math.max(minSE, t), rule: 1 }
      : { action: 'reduce', sessionExpires: t, rule: 2 };
  return { action: 'use', sessionExpires: se, rule: 4 };
}
