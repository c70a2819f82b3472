/**
 * Whether the ingest gate accepts blocks, and why not (pure): the one wording of every refusal a
 * LAM or an operator sees. `refusal` is what the DTP answers now; `readiness` is what the role
 * manager asks before it takes the role (it ignores the lease, and counts a failed listener only
 * until its retry time, so the role can be taken again and the listeners reopened).
 */

export interface GateFacts {
  stopping: boolean;
  /** The local database member: writable, or why not. */
  member: { writable: boolean; reason: string };
  /** A journal replay is running or due (after start or a database flap). */
  replayPending: boolean;
  /** The error of the last failed replay attempt, if any. */
  replayError?: string;
  /** Failed attempts to open the DTP listeners, the next retry, the last error. */
  listen: { failures: number; retryAtMs: number; error: string };
  /** The role lease's refusal (not the active, no tenure), undefined when this node owns it. */
  ownership: string | undefined;
  nowMs: number;
}

function notReady(f: GateFacts): string | undefined {
  if (f.stopping) return 'CAM is shutting down';
  if (!f.member.writable) return f.member.reason;
  if (f.replayPending)
    return f.replayError
      ? `CAM is replaying its journal into the ledger (last attempt: ${f.replayError})`
      : 'CAM is replaying its journal into the ledger';
  return undefined;
}

const listenRefusal = (f: GateFacts) => `DTP listeners could not be opened: ${f.listen.error}`;

/** Why a block is refused now, or undefined when it is accepted. */
export function gateRefusal(f: GateFacts): string | undefined {
  return notReady(f) ?? (f.listen.failures > 0 ? listenRefusal(f) : f.ownership);
}

/** Why this node could not ack even if it held the role, or ready. */
export function gateReadiness(f: GateFacts): { ready: boolean; reason: string } {
  const why = notReady(f) ?? (f.nowMs < f.listen.retryAtMs ? listenRefusal(f) : undefined);
  return why ? { ready: false, reason: why } : { ready: true, reason: '' };
}
