/**
 * The `events` section of the node's and the LAM's configuration: where to publish events (NATS),
 * under which subject prefix, how many to hold while the server is away, and whether to keep them
 * in a JetStream stream so that a console that was down catches up. Pure.
 */
import { z } from 'zod';
import { bool, int, LISTEN_ADDRESS, orEmpty, str } from '../config/fields.js';

const NATS_SERVERS = {
  test: (v: string) => v.split(',').every((s) => LISTEN_ADDRESS.test(s.trim())),
  allowed: 'host:port of NATS servers, comma-separated',
};
const SUBJECT_PREFIX = {
  test: (v: string) => /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(v),
  allowed: 'NATS subject tokens (letters, digits, _ -) joined by dots',
};

export const eventsSchema = z.strictObject({
  /** Empty: events are not published (they are still logged and in the alarm history). */
  natsServers: str({ min: 0, max: 1000, default: '', rule: orEmpty(NATS_SERVERS) }),
  subjectPrefix: str({ min: 1, max: 64, default: 'tandem', rule: SUBJECT_PREFIX }),
  /** Events held while the NATS server is unreachable; beyond, the oldest are dropped and counted. */
  bufferEvents: int({ min: 1, max: 1_000_000, default: 10_000, unit: 'events' }),
  /** Keep every event in a JetStream stream (`<prefix>.>`), so a subscriber that was down catches up. */
  jetstream: bool(false),
  jetstreamStream: str({
    min: 1,
    max: 64,
    default: 'TANDEM_EVENTS',
    rule: { test: (v) => /^[A-Za-z0-9_-]+$/.test(v), allowed: 'letters, digits, _ -' },
  }),
  jetstreamMaxAgeS: int({ min: 60, max: 31_536_000, default: 604_800, unit: 's' }),
});
export type EventsConfig = z.output<typeof eventsSchema>;

export function natsServers(c: EventsConfig): string[] {
  return c.natsServers === '' ? [] : c.natsServers.split(',').map((s) => s.trim());
}
