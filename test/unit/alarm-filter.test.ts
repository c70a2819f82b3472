import { describe, expect, it } from 'vitest';
import type { AlarmEvent } from '../../kernel/alarms.js';
import { filterAlarmEvents, parseAlarmFilter } from '../../node/api/admin-server.js';

const alarm = (name: string) => ({
  name,
  severity: 'major' as const,
  reason: 'r',
  raisedAt: '2026-12-04T10:00:00.000Z',
  raiseCount: 1,
});
const EVENTS: AlarmEvent[] = [
  { kind: 'raised', alarm: alarm('DiskMajorAlarm'), at: '2026-12-04T10:00:00.000Z' },
  { kind: 'raised', alarm: alarm('PeerLost'), at: '2026-12-04T10:01:00.000Z' },
  { kind: 'cleared', alarm: alarm('DiskMajorAlarm'), at: '2026-12-04T10:02:00.000Z' },
  { kind: 'updated', alarm: alarm('PeerLost'), at: '2026-12-04T10:03:00.000Z' },
];

describe('GET /alarms query parameters', () => {
  it.each([
    [{}, { filter: {} }],
    [{ name: 'PeerLost' }, { filter: { name: 'PeerLost' } }],
    [{ kind: 'cleared' }, { filter: { kind: 'cleared' } }],
    [{ since: '2026-12-04T11:00:00+01:00' }, { filter: { since: '2026-12-04T10:00:00.000Z' } }],
    [{ name: 'Peer Lost' }, { error: 'name: "Peer Lost" is not an alarm name' }],
    [{ name: '' }, { error: 'name: "" is not an alarm name' }],
    [{ kind: 'open' }, { error: 'kind: "open"; allowed: raised, cleared, updated' }],
    [{ since: 'yesterday' }, { error: 'since: "yesterday" is not an ISO 8601 time' }],
    [{ severity: 'major' }, { error: 'unknown parameter "severity"; allowed: name, kind, since' }],
  ])('%j → %j', (query, expected) => {
    expect(parseAlarmFilter(query)).toEqual(expected);
  });
});

describe('alarm history filter', () => {
  it.each([
    [{}, [0, 1, 2, 3]],
    [{ name: 'DiskMajorAlarm' }, [0, 2]],
    [{ kind: 'raised' as const }, [0, 1]],
    [{ since: '2026-12-04T10:01:00.000Z' }, [1, 2, 3]],
    [{ name: 'PeerLost', kind: 'updated' as const, since: '2026-12-04T10:02:00.000Z' }, [3]],
    [{ name: 'Unknown' }, []],
  ])('%j keeps events %j', (filter, keep) => {
    expect(filterAlarmEvents(EVENTS, filter)).toEqual(keep.map((i) => EVENTS[i]));
  });
});
