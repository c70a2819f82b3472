/** Retry delays for delivery channels (pure): doubling from `initialMs`, capped at `maxMs`. */
export function retryDelayMs(failures: number, initialMs: number, maxMs: number): number {
  if (failures <= 0) return 0;
  return Math.min(maxMs, initialMs * 2 ** Math.min(30, failures - 1));
}

/**
 * A channel's health as status and alarms show it: the current error, since when it has been
 * failing, and the last success. `alarmDue` says when the failure has lasted long enough to alarm.
 */
export interface ChannelHealth {
  lastSuccessAtMs: number | null;
  lastError: string | null;
  failingSinceMs: number | null;
  failures: number;
}

export const healthyChannel = (): ChannelHealth => ({
  lastSuccessAtMs: null,
  lastError: null,
  failingSinceMs: null,
  failures: 0,
});

export const onSuccess = (nowMs: number): ChannelHealth => ({
  lastSuccessAtMs: nowMs,
  lastError: null,
  failingSinceMs: null,
  failures: 0,
});

export const onFailure = (h: ChannelHealth, error: string, nowMs: number): ChannelHealth => ({
  ...h,
  lastError: error,
  failingSinceMs: h.failingSinceMs ?? nowMs,
  failures: h.failures + 1,
});

export const alarmDue = (h: ChannelHealth, nowMs: number, afterMs: number): boolean =>
  h.failingSinceMs !== null && nowMs - h.failingSinceMs >= afterMs;
