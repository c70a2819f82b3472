import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticRu } from '../../lam/synthetic.js';
import { ruFromWire, ruToWire } from '../../proto/dtp.js';
import { checkRecordingUnit, RECORD_TYPES, type RecordingUnit } from '../../proto/ru.js';

const valid: RecordingUnit = {
  type: 'ConnectIngress',
  appSrvID: 'App1',
  appSrvVer: 'ims_1.1.5_build332',
  subscriberID: '8080@lab2.org',
  uID: '532069808@lab2.org',
  corrID: '532069808@lab2.org',
  recTime: '2003-03-12T15:58:46.81Z',
  protocol: 'sip',
  startTime: '2003-03-12T15:58:44.43Z',
  aband: false,
  ansInd: true,
  supplementaryService: [
    {
      servType: 'SDP',
      sessionName: 'nortelnetworks',
      media: [
        {
          mediaName: 'audio',
          sdpProtocol: 'RTP/AVP',
          sdpPort: 54040,
          connAddr: '47.104.12.226',
          codecList: ['18 G729/8000'],
        },
      ],
    },
    { servType: 'SeqRing', attemptList: 'sip:8081@lab2.org:5070;maddr=47.104.12.148' },
  ],
};

describe('RU validation', () => {
  it('accepts a ConnectIngress like the seed sample (Fig 36–37)', () => {
    expect(checkRecordingUnit(valid)).toEqual({ ok: true, value: valid });
  });

  it.each(RECORD_TYPES)('accepts a synthetic %s', (type) => {
    expect(checkRecordingUnit(syntheticRu('lam', 3, type)).ok).toBe(true);
  });

  const bad: [string, Record<string, unknown>, string, RegExp][] = [
    ['unknown record type', { type: 'Connect' }, 'type', /Invalid option/],
    ['missing uID', { uID: undefined }, 'uID', /is required/],
    ['missing type', { type: undefined }, 'type', /^is required$/],
    ['a misspelt field', { ansTme: '2003-03-12T15:58:46.81Z' }, 'ansTme', /is not a field of an RU/],
    ['year 0000', { recTime: '0000-03-12T15:58:46Z' }, 'recTime', /xs:dateTime/],
    [
      'an unknown media field',
      { media: [{ mediaName: 'audio', sdpProtocol: 'RTP/AVP', sdpPort: 4000, port: 1 }] },
      'media[0].port',
      /is not a field/,
    ],
    ['empty corrID', { corrID: '' }, 'corrID', /must not be empty/],
    ['recTime without Z', { recTime: '2003-03-12T15:58:46.81' }, 'recTime', /xs:dateTime in UTC/],
    ['impossible date', { recTime: '2003-02-30T10:00:00Z' }, 'recTime', /xs:dateTime/],
    ['hour 24', { startTime: '2003-03-12T24:00:00Z' }, 'startTime', /xs:dateTime/],
    ['referStatus 3', { referStatus: 3 }, 'referStatus', /0 \(unknown\), 1 \(failure\) or 2 \(success\)/],
    ['aband as string', { aband: 'false' }, 'aband', /expected boolean/],
    ['text too long', { oUA: 'x'.repeat(2049) }, 'oUA', /at most 2048/],
    [
      '6 supplementary services',
      { supplementaryService: Array(6).fill({ servType: 'SDP' }) },
      'supplementaryService',
      /at most 5/,
    ],
    [
      'bad servType',
      { supplementaryService: [{ servType: 'Forking' }] },
      'supplementaryService[0].servType',
      /Invalid option/,
    ],
    [
      'sdpPort out of range',
      { media: [{ mediaName: 'audio', sdpProtocol: 'RTP/AVP', sdpPort: 70000 }] },
      'media[0].sdpPort',
      /65535/,
    ],
    ['proprietaryErrorCode not integer', { proprietaryErrorCode: 4.5 }, 'proprietaryErrorCode', /int/i],
  ];
  it.each(bad)('refuses %s, naming the field', (_name, change, field, message) => {
    const result = checkRecordingUnit({ ...valid, ...change }, '');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem.field).toBe(field);
      expect(result.problem.message).toMatch(message);
    }
  });

  it.each(['0001-01-01T00:00:00Z', '0099-12-31T23:59:59.5Z', '1900-02-28T00:00:00Z', '9999-12-31T23:59:59Z'])(
    'accepts the real UTC time %s',
    (t) => {
      expect(checkRecordingUnit({ ...valid, recTime: t }).ok).toBe(true);
    },
  );

  it('prefixes the field path, e.g. rus[3].recTime', () => {
    const r = checkRecordingUnit({ ...valid, recTime: 'x' }, 'rus[3]');
    expect(r.ok || r.problem.field).toBe('rus[3].recTime');
  });

  it('keeps hostile text exactly (escaping is the renderer’s job)', () => {
    const hostile = '<a href="x">&amp;\u0001\u0000 é 😀 ]]>';
    const r = checkRecordingUnit({ ...valid, oUA: hostile });
    expect(r.ok && r.value.oUA).toBe(hostile);
  });
});

describe('RU wire conversion', () => {
  it('round-trips every record type through the proto enums', () => {
    for (const type of RECORD_TYPES) {
      const ru = syntheticRu('lam', 11, type);
      expect(checkRecordingUnit(ruFromWire(ruToWire(ru)))).toEqual({ ok: true, value: ru });
    }
  });
  it('maps service types both ways and drops loader bookkeeping fields', () => {
    const wire = ruToWire(valid);
    expect(wire.type).toBe('RECORD_TYPE_CONNECT_INGRESS');
    expect((wire.supplementaryService as { servType: string }[])[1]!.servType).toBe('SERVICE_TYPE_SEQ_RING');
    const back = ruFromWire({ ...wire, _aband: 'aband' });
    expect(back._aband).toBeUndefined();
    expect(checkRecordingUnit(back)).toEqual({ ok: true, value: valid });
  });
  it('property: any valid text survives the conversion unchanged', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), (s) => {
        const ru = { ...valid, oUA: s, uID: s };
        const out = checkRecordingUnit(ruFromWire(ruToWire(ru)));
        return out.ok && out.value.oUA === s && out.value.uID === s;
      }),
    );
  });
});
