import { describe, expect, it } from 'vitest';
import { alarmDue, healthyChannel, onFailure, onSuccess, retryDelayMs } from '../../node/delivery/backoff.js';
import {
  CamFrameParser,
  encodeHeartbeat,
  encodeHello,
  encodeRecord,
  FeedProtocolError,
  LineSplitter,
  parseCollectorLine,
  resumePoint,
} from '../../node/delivery/feed-protocol.js';

describe('TCP feed framing', () => {
  it('parses what the CAM writes, split at every possible byte boundary', () => {
    const xml = '<ipdr:IPDR seqNum="7">é ünïcode \n inside</ipdr:IPDR>';
    const stream = Buffer.concat([
      encodeHello('recovery', 'cam-a', 7),
      encodeRecord(7, xml),
      encodeRecord(8, ''),
      encodeHeartbeat(8),
    ]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const p = new CamFrameParser();
      const frames = [...p.push(stream.subarray(0, cut)), ...p.push(stream.subarray(cut))];
      expect(frames).toEqual([
        { kind: 'hello', series: 'recovery', node: 'cam-a', next: 7 },
        { kind: 'record', seq: 7, xml },
        { kind: 'record', seq: 8, xml: '' },
        { kind: 'heartbeat', lastSent: 8 },
      ]);
    }
  });

  it.each([
    ['unknown header', 'X 1 2\n', /unexpected header/],
    ['negative length', 'R 1 -5\n', /unexpected header/],
    ['record without its newline', 'R 1 3\nabcX', /payload not followed by a newline/],
    ['endless header', 'R '.padEnd(400, '9'), /header longer than 256 bytes/],
    ['bad series in hello', 'TANDEM-FEED/1 series=other node=a next=1\n', /unexpected header/],
  ])('rejects %s', (_what, bytes, error) => {
    expect(() => new CamFrameParser().push(Buffer.from(bytes))).toThrow(error);
  });

  it.each([
    ['RESUME 15', { kind: 'resume', next: 15 }],
    ['ACK 0', { kind: 'ack', seq: 0 }],
    ['ACK 9007199254740991', { kind: 'ack', seq: 9007199254740991 }],
  ])('accepts %s from a collector', (line, parsed) => {
    expect(parseCollectorLine(line)).toEqual(parsed);
  });

  it.each(['RESUME 0', 'RESUME', 'ACK -1', 'ACK 1 2', 'ACK 01', 'ACK 99999999999999999', 'HELLO', ''])(
    'rejects %j from a collector, naming the line',
    (line) => {
      expect(() => parseCollectorLine(line)).toThrow(FeedProtocolError);
      expect(() => parseCollectorLine(line)).toThrow(JSON.stringify(line));
    },
  );

  it('splits collector lines across chunks and refuses an endless line', () => {
    const s = new LineSplitter();
    expect(s.push('ACK 1\r\nAC')).toEqual(['ACK 1']);
    expect(s.push('K 2\n')).toEqual(['ACK 2']);
    expect(() => s.push('A'.repeat(300))).toThrow(/line longer than 256/);
  });
});

describe('where a feed resumes', () => {
  it.each<[Parameters<typeof resumePoint>[0], number, string]>([
    [{ requested: 40, confirmed: 10, written: 50, replayRecords: 100 }, 40, 'what the collector asks for'],
    [{ confirmed: 10, written: 50, replayRecords: 100 }, 11, 'one past the last confirmation'],
    [{ confirmed: 0, written: 500, replayRecords: 100 }, 401, 'a replay window before the last written'],
    [{ confirmed: 0, written: 50, replayRecords: 100 }, 1, 'never before record 1'],
    [{ confirmed: 0, written: 0, replayRecords: 0 }, 1, 'a new series'],
  ])('%o → %i (%s)', (p, next) => {
    expect(resumePoint(p)).toBe(next);
  });
});

describe('delivery retry and alarm timing', () => {
  it.each([
    [0, 0],
    [1, 1000],
    [2, 2000],
    [5, 16_000],
    [7, 60_000],
    [1000, 60_000],
  ])('after %i failures waits %i ms', (failures, delay) => {
    expect(retryDelayMs(failures, 1000, 60_000)).toBe(delay);
  });

  it('alarms only after failing continuously for the configured time; a success resets', () => {
    let h = onFailure(healthyChannel(), 'refused', 1000);
    h = onFailure(h, 'refused again', 5000);
    expect(h).toMatchObject({ failingSinceMs: 1000, failures: 2, lastError: 'refused again' });
    expect(alarmDue(h, 60_999, 60_000)).toBe(false);
    expect(alarmDue(h, 61_000, 60_000)).toBe(true);
    h = onSuccess(62_000);
    expect(h).toEqual({ lastSuccessAtMs: 62_000, lastError: null, failingSinceMs: null, failures: 0 });
    expect(alarmDue(h, 999_999, 60_000)).toBe(false);
  });
});
