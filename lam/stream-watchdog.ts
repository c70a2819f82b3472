/**
 * When a DTP stream that is open but silent must be given up. gRPC keepalive finds a dead
 * connection; it cannot find a live one that never answers: a call queued behind a connect
 * attempt to an address that has moved, or a CAM that accepted the stream and then hangs
 * (frozen process, a Hello check stuck on its database). Without this, a LAM waits on such a
 * call forever and its blocks are never resent elsewhere. Giving up is always safe: blocks are
 * resent on the next stream and the CAM deduplicates them.
 */

export interface StreamWatchdogLimits {
  /** Longest wait for the Welcome after the Hello was written. */
  welcomeTimeoutMs: number;
  /** Longest time without an Ack while blocks are in flight. */
  ackTimeoutMs: number;
}

export const DEFAULT_STREAM_WATCHDOG: StreamWatchdogLimits = {
  welcomeTimeoutMs: 5_000,
  ackTimeoutMs: 15_000,
};

export interface StreamProgress {
  /** A Welcome arrived on this call. */
  welcomed: boolean;
  inFlight: number;
  /** Since the call started, its Welcome, its last Ack, or the first block put in flight after none were. */
  quietMs: number;
}

/** Why the current call must be abandoned, or undefined while it may go on. */
export function stalledReason(p: StreamProgress, limits: StreamWatchdogLimits): string | undefined {
  if (!p.welcomed)
    return p.quietMs > limits.welcomeTimeoutMs
      ? `no Welcome within ${limits.welcomeTimeoutMs} ms`
      : undefined;
  if (p.inFlight > 0 && p.quietMs > limits.ackTimeoutMs)
    return `no Ack for ${limits.ackTimeoutMs} ms with ${p.inFlight} blocks in flight`;
  return undefined;
}
