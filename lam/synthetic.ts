/**
 * Synthetic Recording Units for load, demos and tests: a call produces the records a real SIP
 * application server would (connect ingress/egress, mid-call SDP, REFER, long call, disconnect).
 * Deterministic for a given call number.
 */
import type { RecordingUnit, RecordType } from '../proto/ru.js';
import { RECORD_TYPES } from '../proto/ru.js';

const iso = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/\.?0+Z$/, 'Z')
    .replace(/\.Z$/, 'Z');

export function syntheticRu(
  lamId: string,
  n: number,
  type: RecordType = RECORD_TYPES[n % RECORD_TYPES.length]!,
): RecordingUnit {
  const t = Date.UTC(2026, 10, 24, 8, 0, 0) + n * 37;
  const callId = `${lamId}-${n}@sip.example.net`;
  const base = {
    type,
    appSrvID: lamId,
    appSrvVer: 'tandem_synthetic_1.0',
    uID: callId,
    corrID: callId,
    recTime: iso(t + 1500),
  };
  switch (type) {
    case 'ConnectIngress':
      return {
        ...base,
        subscriberID: `${1000 + (n % 9000)}@sip.example.net`,
        protocol: 'sip',
        startTime: iso(t),
        ansTime: iso(t + 1500),
        origDest: `${2000 + (n % 7000)}@sip.example.net`,
        oUA: 'Tandem synthetic UA/1.0',
        destinationPhoneNumber: `${2000 + (n % 7000)}@sip.example.net`,
        aband: false,
        ansInd: true,
        supplementaryService: [
          {
            servType: 'SDP',
            sessionName: 'tandem',
            media: [
              {
                mediaName: 'audio',
                sdpProtocol: 'RTP/AVP',
                sdpPort: 40000 + (n % 20000),
                connAddr: '198.18.0.10',
                codecList: ['18 G729/8000'],
              },
            ],
          },
        ],
      };
    case 'ConnectEgress':
      return {
        ...base,
        protocol: 'sip',
        startTime: iso(t),
        ansTime: iso(t + 1500),
        aband: false,
        ansInd: true,
        outpulsedDigits: `sip:${2000 + (n % 7000)}@gw.example.net`,
      };
    case 'LongCallIngress':
    case 'LongCallEgress':
      return { ...base, endTime: iso(t + 3_600_000), failRsn: '408' };
    case 'SDP':
      return {
        ...base,
        subscriberID: `${1000 + (n % 9000)}@sip.example.net`,
        media: [
          {
            mediaName: 'audio',
            sdpProtocol: 'RTP/AVP',
            sdpPort: 50000,
            connAddr: '0.0.0.0',
            codecList: ['0 PCMU/8000'],
          },
        ],
      };
    case 'REFER':
      return {
        ...base,
        notifyArrival: iso(t + 900),
        referBy: `sip:${1000 + (n % 9000)}@sip.example.net`,
        referTo: `sip:${3000 + (n % 6000)}@sip.example.net`,
        referArrival: iso(t + 800),
        referStatus: 2,
      };
    case 'DisconnectIngress':
    case 'DisconnectEgress':
      return { ...base, endTime: iso(t + 60_000) };
  }
}

export function syntheticBlockRus(lamId: string, blockSeq: number, count: number): RecordingUnit[] {
  return Array.from({ length: count }, (_, i) => syntheticRu(lamId, blockSeq * 100 + i));
}
