/**
 * The I/O shell around the session plan: SIP events from the local API (or an adapter) are
 * validated, applied in order, and the records they complete are handed to the LAM's RU intake
 * (validated there like any RU, then blocks, spool, CAM). It owns the clock: a timer calls
 * `expire` at the plan's next deadline. Everything the plan leaves out of accounting (strays,
 * vetoes, failed features) is counted and logged here, never dropped in silence.
 */
import type { Logger } from 'pino';
import type { RecordingUnit } from '../../proto/ru.js';
import { CallRecorder } from './call-records.js';
import { TestCallFilter } from './features/test-call-filter.js';
import type { SessionFeature } from './points.js';
import { type PlanNote, type PlanOutput, SessionPlan } from './session-plan.js';
import { type SessionIdSource, SessionTable, type TenantResolver } from './session-table.js';
import { type SipEvent, sipEventSchema } from './sip-event.js';

/** Where records go: the LAM agent (its `submitMany` validates each one against the RU schema). */
export interface RecordSink {
  submitMany(rus: unknown[], opts: { durable?: boolean }): Promise<void>;
  /** RUs the sink can take now without refusing for a full queue. */
  readonly room: number;
}

/** The most records one SIP event can complete (a BYE ending an answered leg with a pending REFER). */
export const MAX_RECORDS_PER_EVENT = 3;

export class SipEventRejected extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }
}

export interface SessionIntakeOptions {
  appSrvID: string;
  appSrvVer: string;
  inactivity: {
    defaultMs: number;
    byIvrProfile: Record<string, number>;
    byTenant: Record<string, number>;
    byResource: Record<string, number>;
  };
  auditIntervalMs: number;
  features: readonly SessionFeature[];
  tenants?: TenantResolver;
  ids: SessionIdSource;
}

/** How long an ended leg absorbs trailing messages: 64·T1, the longest a SIP transaction lasts. */
const LINGER_MS = 32_000;

export class SessionIntake {
  private readonly plan: SessionPlan;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Records completed by a timer that the sink refused (a full queue): handed over again soon. */
  private outbox: RecordingUnit[] = [];
  readonly counters = {
    sipEvents: 0,
    sipEventsRejected: 0,
    records: 0,
    strays: 0,
    sessionsVetoed: 0,
    legsVetoed: 0,
    vetoesIgnored: 0,
    instructionFailures: 0,
  };

  constructor(
    options: SessionIntakeOptions,
    private readonly sink: RecordSink,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    const table = new SessionTable(
      { inactivity: options.inactivity, auditIntervalMs: options.auditIntervalMs, lingerMs: LINGER_MS },
      options.tenants ?? { tenantOf: () => undefined },
      options.ids,
    );
    this.plan = new SessionPlan(
      table,
      new CallRecorder({ appSrvID: options.appSrvID, appSrvVer: options.appSrvVer }),
      options.features,
    );
  }

  get liveSessions(): number {
    return this.plan.liveSessionCount;
  }

  /**
   * Validates every event first (one bad event refuses the lot, naming it), then applies them in
   * order and hands their records over; with `durable`, resolves once those are in the spool.
   */
  async receive(
    input: unknown,
    opts: { durable?: boolean } = {},
  ): Promise<{ events: number; records: number }> {
    if (this.stopped) throw new SipEventRejected('', 'LAM is stopping', 503);
    const list = Array.isArray(input) ? input : [input];
    const events: SipEvent[] = [];
    for (const [i, raw] of list.entries()) {
      const parsed = sipEventSchema.safeParse(raw);
      if (!parsed.success) {
        this.counters.sipEventsRejected += list.length;
        const issue = parsed.error.issues[0]!;
        const field = [`[${i}]`, ...issue.path.map(String)].join('.');
        throw new SipEventRejected(field, `${field}: ${issue.message}`);
      }
      events.push(parsed.data);
    }
    // Refused before anything is applied, so that the sender can simply send the same events again.
    if (this.sink.room < this.outbox.length + events.length * MAX_RECORDS_PER_EVENT)
      throw new SipEventRejected('', 'RU queue full; retry shortly', 503);
    const records: RecordingUnit[] = [];
    for (const e of events) records.push(...this.take(this.plan.receive(e)));
    this.counters.sipEvents += events.length;
    this.arm();
    if (records.length > 0) await this.sink.submitMany(records, { durable: opts.durable ?? false });
    return { events: events.length, records: records.length };
  }

  status() {
    return { liveSessions: this.liveSessions, recordsHeldBack: this.outbox.length, ...this.counters };
  }

  start(): void {
    this.arm();
  }

  /** Stops the timers. Open sessions are not kept across a restart (D36). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.outbox.length > 0 || this.liveSessions > 0)
      this.log.warn(
        { liveSessions: this.liveSessions, recordsNotHandedOver: this.outbox.length },
        'session state dropped at stop',
      );
  }

  /** Counts and logs the notes; returns the records. */
  private take(out: PlanOutput): RecordingUnit[] {
    for (const note of out.notes) this.onNote(note);
    this.counters.records += out.records.length;
    return out.records;
  }

  private onNote(note: PlanNote): void {
    switch (note.kind) {
      case 'stray':
        this.counters.strays++;
        this.log.warn({ callId: note.callId, reason: note.reason }, 'SIP event for no known leg');
        return;
      case 'vetoed':
        if (note.what === 'session') this.counters.sessionsVetoed++;
        else this.counters.legsVetoed++;
        this.log.info(
          { sessionId: note.sessionId, callId: note.callId, feature: note.feature, reason: note.reason },
          `${note.what} vetoed: not accounted`,
        );
        return;
      case 'veto-ignored':
        this.counters.vetoesIgnored++;
        this.log.warn(
          { sessionId: note.sessionId, feature: note.feature, point: note.point, reason: note.reason },
          'veto ignored: this point cannot veto',
        );
        return;
      case 'instruction-failed':
        this.counters.instructionFailures++;
        this.log.error(
          {
            sessionId: note.sessionId,
            instruction: note.instruction,
            point: note.point,
            err: note.error,
            record: note.record,
          },
          'instruction failed in the session plan',
        );
        return;
    }
  }

  /** The next expiry: inactivity, long-call audits, service timers, and retries of the outbox. */
  private arm(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const deadline = this.plan.nextDeadline();
    const retry = this.outbox.length > 0 ? this.now() + 200 : undefined;
    const next = Math.min(deadline ?? Number.POSITIVE_INFINITY, retry ?? Number.POSITIVE_INFINITY);
    if (!Number.isFinite(next)) return;
    // Capped so that a clock step is noticed within a minute.
    this.timer = setTimeout(() => void this.tick(), Math.min(60_000, Math.max(0, next - this.now())));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const records = [...this.outbox.splice(0), ...this.take(this.plan.expire(this.now()))];
    if (records.length > 0) {
      try {
        await this.sink.submitMany(records, {});
      } catch (err) {
        // Full queue: kept, in order, and offered again at the next tick.
        this.outbox = records.concat(this.outbox);
        this.log.warn({ records: records.length, err: (err as Error).message }, 'records held back');
      }
    }
    this.arm();
  }
}

/** The features the configuration turns on (the example plug-in is the only built-in one). */
export function configuredFeatures(testCallerPrefixes: readonly string[]): SessionFeature[] {
  return testCallerPrefixes.length > 0 ? [new TestCallFilter(testCallerPrefixes)] : [];
}
