/**
 * Which inactivity interval applies to a leg. The seed lets it be set per IVR Profile, per tenant,
 * per resource and for the Resource Manager, without saying which wins (sessions.md §3.1); we take
 * the most specific that is set (D34): the IVR Profile (the application), then the tenant, then the
 * resource the INVITE came from, then the server-wide value.
 */
export interface InactivityTimers {
  /** The server-wide interval, ms (always set). */
  defaultMs: number;
  byIvrProfile?: Readonly<Record<string, number>>;
  byTenant?: Readonly<Record<string, number>>;
  byResource?: Readonly<Record<string, number>>;
}

export interface TimerContext {
  ivrProfile?: string;
  tenant?: string;
  source?: string;
}

const lookup = (table: Readonly<Record<string, number>> | undefined, key: string | undefined) =>
  key !== undefined && table && Object.hasOwn(table, key) ? table[key] : undefined;

export function applicableInactivityMs(timers: InactivityTimers, ctx: TimerContext): number {
  return (
    lookup(timers.byIvrProfile, ctx.ivrProfile) ??
    lookup(timers.byTenant, ctx.tenant) ??
    lookup(timers.byResource, ctx.source) ??
    timers.defaultMs
  );
}
