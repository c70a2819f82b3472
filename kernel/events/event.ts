/**
 * Events for the operator's management systems (docs/events.md): alarms raised, updated and
 * cleared, role changes, operator commands, process starts. Each is a CloudEvents 1.0 envelope in
 * JSON ("structured mode") whose `type` carries the event's name and schema version, published on
 * NATS under `<prefix>.<component>.<id>.<event>`. Pure: building, naming and checking events.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

const severity = z.enum(['critical', 'major', 'minor', 'warning']);
const role = z.enum(['joining', 'standby', 'active', 'handing-over', 'maintenance', 'fenced']);

const alarmData = z.strictObject({
  name: z.string().min(1).max(64),
  severity,
  reason: z.string(),
  raisedAt: z.iso.datetime(),
  raiseCount: z.int().min(1),
});

/** The payload of each event type, by its name; the version is in `type` (`….v1`). */
export const EVENT_DATA = {
  'alarm.raised': alarmData,
  'alarm.updated': alarmData,
  'alarm.cleared': alarmData,
  'role.changed': z.strictObject({
    from: role,
    to: role,
    reason: z.string(),
    /** The role lease's epoch when it changed (null before the lease was read). */
    leaseEpoch: z.int().min(0).nullable(),
  }),
  'command.accepted': z.strictObject({
    command: z.enum(['switchover', 'failover', 'restore', 'maintenance']),
    /** switchover: the node to hand over to; maintenance: on or off. */
    to: z.string().optional(),
    on: z.boolean().optional(),
  }),
  'process.started': z.strictObject({
    version: z.string(),
    /** sha256 of the effective configuration with secrets left out: changes when it changes. */
    configDigest: z.string().regex(/^[0-9a-f]{64}$/),
  }),
} as const;

export type EventName = keyof typeof EVENT_DATA;
export type EventData<N extends EventName> = z.output<(typeof EVENT_DATA)[N]>;
export const EVENT_NAMES = Object.keys(EVENT_DATA) as EventName[];
export const EVENT_VERSION = 1;

export type Component = 'cam' | 'lam';

/** Who emits: a CAM node or a LAM, by its configured id. */
export interface EventSource {
  component: Component;
  id: string;
}

const envelope = <N extends EventName>(name: N) =>
  z.strictObject({
    specversion: z.literal('1.0'),
    id: z.uuid(),
    source: z.string().regex(/^tandem\/(cam|lam)\/[A-Za-z0-9_.-]+$/),
    type: z.literal(`tandem.${name}.v${EVENT_VERSION}`),
    time: z.iso.datetime(),
    datacontenttype: z.literal('application/json'),
    data: EVENT_DATA[name],
  });

/** Every event, as one schema (its JSON Schema is docs/events.v1.schema.json). */
export const eventSchema = z.discriminatedUnion(
  'type',
  EVENT_NAMES.map((n) => envelope(n)) as unknown as [
    ReturnType<typeof envelope<'alarm.raised'>>,
    ...ReturnType<typeof envelope<EventName>>[],
  ],
);

export interface TandemEvent<N extends EventName = EventName> {
  specversion: '1.0';
  id: string;
  source: string;
  type: `tandem.${N}.v1`;
  time: string;
  datacontenttype: 'application/json';
  data: EventData<N>;
}

export function makeEvent<N extends EventName>(
  from: EventSource,
  name: N,
  data: EventData<N>,
  now: Date = new Date(),
): TandemEvent<N> {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: `tandem/${from.component}/${from.id}`,
    type: `tandem.${name}.v1`,
    time: now.toISOString(),
    datacontenttype: 'application/json',
    data,
  };
}

/** The event's name (`alarm.raised`) from its type (`tandem.alarm.raised.v1`). */
export function eventName(e: TandemEvent): EventName {
  return e.type.slice('tandem.'.length, e.type.lastIndexOf('.v')) as EventName;
}

/**
 * The NATS subject: `<prefix>.<component>.<id>.<event>`, e.g. `tandem.cam.cam-a.alarm.raised`.
 * A `.` in an id would split the token, so it is written `_` there (the id is exact in `source`).
 */
export function subjectOf(prefix: string, e: TandemEvent): string {
  const [, component, id] = e.source.split('/') as [string, string, string];
  return `${prefix}.${component}.${id.replaceAll('.', '_')}.${eventName(e)}`;
}

/** The JSON Schema (draft 2020-12) of every event, as shipped in docs/events.v1.schema.json. */
export function eventJsonSchema(): string {
  const schema = z.toJSONSchema(eventSchema, { target: 'draft-2020-12' });
  return `${JSON.stringify({ $id: 'urn:tandem:events:v1', title: 'Tandem events, version 1', ...schema }, null, 2)}\n`;
}
