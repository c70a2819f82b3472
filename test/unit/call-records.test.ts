import { describe, expect, it } from 'vitest';
import { CallRecorder } from '../../lam/sessions/call-records.js';
import { sameSdp, sdpFields, webPushUri } from '../../lam/sessions/sdp-fields.js';
import { SessionTable } from '../../lam/sessions/session-table.js';
import { addrSpecOf, pstnNumberOf, sipfragStatus, uriOf } from '../../lam/sessions/sip-addresses.js';
import { type SipEvent, sipEventSchema } from '../../lam/sessions/sip-event.js';
import { checkRecordingUnit, type RecordingUnit } from '../../proto/ru.js';

// The call of Fig 36 (ConnectIngress), Fig 48 (ConnectEgress) and Fig 55 (DisconnectIngress).
const T0 = Date.parse('2003-03-12T15:58:44.43Z');
const IN = '532069808@lab2.org';
const OUT = '4769435c_f3e43e0bdc@test2_app1';
const GVP = { 'x-genesys-gvp-session-id': 'S1' };
const APP = { appSrvID: 'App1', appSrvVer: 'ims_1.1.5_build332' };

function sdp(addr: string, port = 54040, codecs = '18', rtpmap = 'a=rtpmap:18 G729/8000') {
  return ['v=0', 'o=- 1 1 IN IP4 47.104.12.226', 's=nortelnetworks', `c=IN IP4 ${addr}`, 't=0 0']
    .concat([`m=audio ${port} RTP/AVP ${codecs}`, rtpmap])
    .join('\r\n');
}

type Msg = Partial<SipEvent> & { at: number };
const ingress = (m: Msg) => ({ callId: IN, fromTag: 'a', headers: GVP, ...m });
const egress = (m: Msg) => ({ callId: OUT, fromTag: 'x', headers: GVP, ...m });

/** The two INVITEs and 200 OKs of an answered call through the application server. */
function answered(extraIngressHeaders: Record<string, string> = {}): Msg[] {
  return [
    ingress({
      at: 0,
      kind: 'request',
      method: 'INVITE',
      requestUri: 'sip:8081@lab2.org',
      body: sdp('47.104.12.226'),
      headers: {
        ...GVP,
        from: '<sip:8080@lab2.org>;tag=a',
        to: '<sip:8081@lab2.org>',
        'user-agent': 'IMS1.1 Networks FP1 IP Nortel RAIDer/1.1.64',
        ...extraIngressHeaders,
      },
    }),
    egress({
      at: 190,
      kind: 'request',
      method: 'INVITE',
      requestUri: 'sip:8081@lab2.org:5070;maddr=47.104.12.148',
    }),
    egress({
      at: 2_360,
      kind: 'response',
      method: 'INVITE',
      status: 200,
      toTag: 'y',
      body: sdp('47.104.12.148'),
    }),
    ingress({ at: 2_380, kind: 'response', method: 'INVITE', status: 200, toTag: 'b' }),
    ingress({ at: 2_400, kind: 'request', method: 'ACK', toTag: 'b' }),
    egress({ at: 2_400, kind: 'request', method: 'ACK', toTag: 'y' }),
  ];
}

const hangUp = (at: number): Msg[] => [
  ingress({ at, kind: 'request', method: 'BYE', toTag: 'b' }),
  egress({ at: at + 10, kind: 'request', method: 'BYE', toTag: 'y' }),
];

/** Feeds the messages (and an expiry scan at `expireAt`) through the session model and the recorder. */
function records(messages: Msg[], expireAt?: number, auditIntervalMs = 0): RecordingUnit[] {
  let n = 0;
  const table = new SessionTable(
    { inactivity: { defaultMs: 3_600_000, byTenant: {} }, auditIntervalMs, lingerMs: 32_000 },
    { tenantOf: () => undefined },
    { newSessionId: () => `gen-${++n}` },
  );
  const recorder = new CallRecorder(APP);
  const out: RecordingUnit[] = [];
  for (const m of messages) {
    const event = sipEventSchema.parse({ ...m, at: T0 + m.at });
    for (const change of table.receive(event)) out.push(...recorder.record(change));
  }
  if (expireAt !== undefined)
    for (const change of table.expire(T0 + expireAt)) out.push(...recorder.record(change));
  for (const [i, ru] of out.entries()) {
    const checked = checkRecordingUnit(ru, `records[${i}]`);
    expect(checked.ok ? 'valid' : checked.problem).toBe('valid');
  }
  return out;
}

const at = (ms: number) => new Date(T0 + ms).toISOString();
const common = (uID: string, recAt: number) => ({ ...APP, uID, corrID: IN, recTime: at(recAt) });

describe('CallRecorder: the records of Tables 6–13 from SIP messages', () => {
  it('an answered call gives Fig 48, Fig 36 (without its SeqRing) and Fig 55, then DisconnectEgress', () => {
    expect(records([...answered(), ...hangUp(6_860)])).toEqual([
      {
        type: 'ConnectEgress',
        ...common(OUT, 2_360),
        protocol: 'sip',
        startTime: at(190), // Fig 48: 15:58:44.62
        ansTime: at(2_360), // 15:58:46.79
        aband: false,
        ansInd: true,
        outpulsedDigits: '8081@lab2.org:5070',
      },
      {
        type: 'ConnectIngress',
        ...common(IN, 2_380),
        protocol: 'sip',
        startTime: at(0),
        ansTime: at(2_380), // Fig 36: 15:58:46.81
        aband: false,
        ansInd: true,
        subscriberID: '8080@lab2.org',
        origDest: '8081@lab2.org',
        destinationPhoneNumber: '8081@lab2.org',
        oUA: 'IMS1.1 Networks FP1 IP Nortel RAIDer/1.1.64',
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
        ],
      },
      { type: 'DisconnectIngress', ...common(IN, 6_860), endTime: at(6_860) }, // Fig 55: 15:58:51.29
      { type: 'DisconnectEgress', ...common(OUT, 6_870), endTime: at(6_870) },
    ]);
    expect(at(2_380)).toBe('2003-03-12T15:58:46.810Z');
  });

  it('busy: ConnectIngress not answered, not abandoned, with the status and an end time', () => {
    const rus = records([
      ingress({ at: 0, kind: 'request', method: 'INVITE' }),
      ingress({ at: 300, kind: 'response', method: 'INVITE', status: 486, toTag: 'b' }),
    ]);
    expect(rus.map((r) => [r.type, r.ansInd, r.aband, r.proprietaryErrorCode, r.endTime])).toEqual([
      ['ConnectIngress', false, false, 486, at(300)],
    ]);
  });

  it('no answer and CANCEL: abandoned, with the 487', () => {
    const rus = records([
      ingress({ at: 0, kind: 'request', method: 'INVITE' }),
      ingress({ at: 100, kind: 'response', method: 'INVITE', status: 180, toTag: 'b' }),
      ingress({ at: 20_000, kind: 'request', method: 'CANCEL' }),
      ingress({ at: 20_010, kind: 'response', method: 'INVITE', status: 487, toTag: 'b' }),
    ]);
    expect(rus.map((r) => [r.type, r.ansInd, r.aband, r.proprietaryErrorCode, r.endTime])).toEqual([
      ['ConnectIngress', false, true, 487, at(20_010)],
    ]);
  });

  it('hold and retrieve make SDP records; a session refresh with the same SDP makes none', () => {
    const reinvite = (t: number, addr: string) => [
      ingress({
        at: t,
        kind: 'request',
        method: 'INVITE',
        toTag: 'b',
        body: sdp(addr),
        headers: { from: 'sip:8080@lab2.org' },
      }),
      ingress({ at: t + 50, kind: 'response', method: 'INVITE', status: 200, toTag: 'b' }),
    ];
    const rus = records([
      ...answered(),
      ...reinvite(10_000, '47.104.12.226'), // refresh: the offer of the INVITE again
      ...reinvite(20_000, '0.0.0.0'), // hold (Fig 51)
      ...reinvite(30_000, '0.0.0.0'), // refresh while held
      ...reinvite(40_000, '47.104.12.226'), // retrieve (Fig 52)
      ...hangUp(50_000),
    ]);
    const sdpRecords = rus.filter((r) => r.type === 'SDP');
    expect(sdpRecords.map((r) => [r.uID, r.subscriberID, r.media?.[0]?.connAddr, r.recTime])).toEqual([
      [IN, '8080@lab2.org', '0.0.0.0', at(20_050)],
      [IN, '8080@lab2.org', '47.104.12.226', at(40_050)],
    ]);
    expect(sdpRecords[0]).toMatchObject({
      sessionName: 'nortelnetworks',
      media: [{ codecList: ['18 G729/8000'] }],
    });
  });

  it('a re-INVITE that is refused changes nothing', () => {
    const rus = records([
      ...answered(),
      ingress({ at: 10_000, kind: 'request', method: 'INVITE', toTag: 'b', body: sdp('0.0.0.0') }),
      ingress({ at: 10_050, kind: 'response', method: 'INVITE', status: 488, toTag: 'b' }),
      ...hangUp(20_000),
    ]);
    expect(rus.map((r) => r.type)).not.toContain('SDP');
  });

  it('REFER with a final NOTIFY: Fig 54 (status 2, notify and refer arrival)', () => {
    const rus = records([
      ...answered(),
      // The callee transfers the caller: the REFER comes from the callee's side of the ingress dialog.
      ingress({
        at: 10_000,
        kind: 'request',
        method: 'REFER',
        fromTag: 'b',
        toTag: 'a',
        headers: {
          'refer-to': '<sip:8081@lab2.org>',
          'referred-by': `sip:5089@lab2.org ; CorrelationID=${IN}`,
        },
      }),
      ingress({ at: 10_020, kind: 'response', method: 'REFER', status: 202, fromTag: 'b', toTag: 'a' }),
      ingress({
        at: 11_000,
        kind: 'request',
        method: 'NOTIFY',
        headers: { event: 'refer' },
        body: 'SIP/2.0 100 Trying',
        toTag: 'b',
      }),
      ingress({
        at: 15_860,
        kind: 'request',
        method: 'NOTIFY',
        headers: { event: 'refer;id=1' },
        body: 'SIP/2.0 200 OK\r\n',
        toTag: 'b',
      }),
      ...hangUp(20_000),
    ]);
    expect(rus.filter((r) => r.type === 'REFER')).toEqual([
      {
        type: 'REFER',
        ...common(IN, 15_860),
        referArrival: at(10_000),
        notifyArrival: at(15_860),
        referTo: 'sip:8081@lab2.org',
        referBy: `sip:5089@lab2.org ; CorrelationID=${IN}`,
        referStatus: 2,
      },
    ]);
  });

  const referAt = (t: number) =>
    ingress({ at: t, kind: 'request', method: 'REFER', toTag: 'b', headers: { 'refer-to': 'sip:9@x' } });
  it.each<[string, Msg[], number]>([
    [
      'a failed transfer (NOTIFY 486) is status 1',
      [
        referAt(10_000),
        ingress({
          at: 12_000,
          kind: 'request',
          method: 'NOTIFY',
          headers: { event: 'refer' },
          body: 'SIP/2.0 486 Busy Here',
          toTag: 'b',
        }),
      ],
      1,
    ],
    [
      'a refused REFER (403) is status 1',
      [referAt(10_000), ingress({ at: 10_010, kind: 'response', method: 'REFER', status: 403, toTag: 'b' })],
      1,
    ],
    ['a leg that ends before the final NOTIFY leaves status 0 (unknown)', [referAt(10_000)], 0],
  ])('%s', (_name, refer, status) => {
    const rus = records([...answered(), ...refer, ...hangUp(20_000)]);
    expect(rus.filter((r) => r.type === 'REFER').map((r) => r.referStatus)).toEqual([status]);
    expect(rus.at(-2)?.type).toBe('DisconnectIngress'); // the REFER record comes before the leg's end
  });

  it('a long call taken down by the audit: LongCall records with failRsn 408 and no Disconnect', () => {
    const audit = 300_000;
    // The audit takes down an answered leg whose session timer (here 90 s) ran out without a refresh.
    const timed = answered().map((m) =>
      m.kind === 'response' ? { ...m, headers: { ...GVP, 'session-expires': '90;refresher=uac' } } : m,
    );
    const rus = records(timed, 2_400 + audit, audit);
    expect(rus.map((r) => [r.type, r.failRsn])).toEqual([
      ['ConnectEgress', undefined],
      ['ConnectIngress', undefined],
      ['LongCallIngress', '408'],
      ['LongCallEgress', '408'],
    ]);
  });

  it('an answered leg cleaned up by the inactivity timer is disconnected as if by BYE', () => {
    const rus = records(answered(), 2_400 + 3_600_000);
    expect(rus.map((r) => r.type)).toEqual([
      'ConnectEgress',
      'ConnectIngress',
      'DisconnectIngress',
      'DisconnectEgress',
    ]);
  });

  it('x-nt-corr-id of the originator correlates both legs; callingPSTN and referBy from the INVITE', () => {
    const rus = records([
      ...answered({
        'x-nt-corr-id': '112874470@47.104.12.148',
        'remote-party-id': '"Alice" <sip:+19725550100@gw.lab2.org;user=phone>;party=calling',
        'referred-by': '<sip:5089@lab2.org>',
      }),
      ...hangUp(5_000),
    ]);
    expect(new Set(rus.map((r) => r.corrID))).toEqual(new Set(['112874470@47.104.12.148']));
    expect(rus.find((r) => r.type === 'ConnectIngress')).toMatchObject({
      callingPSTN: '+19725550100',
      referBy: 'sip:5089@lab2.org',
    });
  });

  it('WebPush: an INFO with a w= line is an SDP record (Fig 53)', () => {
    const rus = records([
      ...answered(),
      ingress({ at: 9_000, kind: 'request', method: 'INFO', toTag: 'b', body: 'w=http://www.yahoo.com\r\n' }),
      ...hangUp(10_000),
    ]);
    expect(rus.filter((r) => r.type === 'SDP')).toEqual([
      { type: 'SDP', ...common(IN, 9_000), phoneNo: 'WebPush', webURI: 'w=http://www.yahoo.com' },
    ]);
  });

  it('the same messages give the same records (recTime is the event time, not the clock)', () => {
    const messages = [...answered(), ...hangUp(6_000)];
    expect(records(messages)).toEqual(records(messages));
  });
});

describe('SIP addresses and SDP fields', () => {
  it.each<[string, string | undefined, string | undefined]>([
    ['name-addr with parameters', '"Bob" <sip:8081@lab2.org:5070;transport=udp>;tag=9', '8081@lab2.org:5070'],
    ['addr-spec with header parameters', 'sip:8080@lab2.org;tag=1', '8080@lab2.org'],
    ['Request-URI with maddr', 'sip:8081@lab2.org:5070;maddr=47.104.12.148', '8081@lab2.org:5070'],
    ['tel URI', 'tel:+19725550100', '+19725550100'],
    ['sips and headers', '<sips:alice@example.com?subject=x>', 'alice@example.com'],
    ['empty', '<>', undefined],
    ['absent', undefined, undefined],
  ])('addrSpecOf: %s', (_name, value, expected) => {
    expect(addrSpecOf(value)).toBe(expected);
  });

  it('pstnNumberOf, uriOf and sipfragStatus', () => {
    expect(pstnNumberOf('<sip:+19725550100@gw;user=phone>;party=calling')).toBe('+19725550100');
    expect(uriOf('<sip:8081@lab2.org>')).toBe('sip:8081@lab2.org');
    expect(uriOf('  ')).toBeUndefined();
    expect(sipfragStatus('SIP/2.0 603 Declined')).toBe(603);
    expect(sipfragStatus('garbage')).toBeUndefined();
  });

  it('sdpFields: multiple media with static payloads, p= and a media-level c= (Fig 40)', () => {
    const body = [
      'v=0',
      'o=- 1 1 IN IP4 47.104.12.226',
      's=nortelnetworks',
      'p=+1-972-684-1000',
      'c=IN IP4 47.104.12.226',
      't=0 0',
      'm=audio 57348 RTP/AVP 18 0',
      'a=rtpmap:18 G729/8000',
      'm=video 42326 RTP/AVP 96',
      'c=IN IP4 0.0.0.0',
      'a=rtpmap:96 X-NNVC/10',
      'm=application 9 udp wb',
    ].join('\r\n');
    expect(sdpFields(body)).toEqual({
      sessionName: 'nortelnetworks',
      phoneNo: 'p=+1-972-684-1000',
      media: [
        {
          mediaName: 'audio',
          sdpProtocol: 'RTP/AVP',
          sdpPort: 57348,
          connAddr: '47.104.12.226',
          codecList: ['18 G729/8000', '0 PCMU/8000'],
        },
        {
          mediaName: 'video',
          sdpProtocol: 'RTP/AVP',
          sdpPort: 42326,
          connAddr: '0.0.0.0',
          codecList: ['96 X-NNVC/10'],
        },
        { mediaName: 'application', sdpProtocol: 'udp', sdpPort: 9, connAddr: '47.104.12.226' },
      ],
    });
    expect(sdpFields('not sdp')).toBeUndefined();
    expect(sameSdp(sdpFields(body), sdpFields(body.replace('o=- 1 1', 'o=- 1 2')))).toBe(true); // version only
    expect(webPushUri('a=1\r\nw=http://x.example\r\n')).toBe('w=http://x.example');
    expect(webPushUri('no uri')).toBeUndefined();
  });
});
