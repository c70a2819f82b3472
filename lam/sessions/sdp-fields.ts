/**
 * The IPDR fields of an SDP body (Table 6's SDP supplementary service, Table 10's SDP record):
 * `s=` → sessionName, `p=` → phoneNo (the `p=` prefix kept, as the samples show), and per `m=`
 * the media name, port, protocol, connection address (`0.0.0.0` = on hold) and codecs
 * ("payload encoding/rate", e.g. `18 G729/8000`). Pure; parsing is sdp-transform's.
 */
import { parse } from 'sdp-transform';
import type { Media } from '../../proto/ru.js';

export interface SdpFields {
  sessionName?: string;
  phoneNo?: string;
  media: Media[];
}

/** RFC 3551's static payload types, for an `m=` format without an `a=rtpmap`. */
const STATIC_PAYLOADS: Record<number, string> = {
  0: 'PCMU/8000',
  3: 'GSM/8000',
  4: 'G723/8000',
  8: 'PCMA/8000',
  9: 'G722/8000',
  13: 'CN/8000',
  18: 'G729/8000',
};

/** The SDP fields of a body, or undefined when the body is not SDP (no `v=` line, no `m=` line). */
export function sdpFields(body: string | undefined): SdpFields | undefined {
  if (body === undefined || !/^v=/m.test(body) || !/^m=/m.test(body)) return undefined;
  const sdp = parse(body);
  const fields: SdpFields = { media: [] };
  if (sdp.name && sdp.name !== '-') fields.sessionName = sdp.name;
  if (sdp.phone) fields.phoneNo = `p=${sdp.phone}`;
  for (const m of sdp.media) {
    const media: Media = { mediaName: m.type, sdpProtocol: m.protocol, sdpPort: m.port };
    const connAddr = m.connection?.ip ?? sdp.connection?.ip;
    if (connAddr) media.connAddr = connAddr;
    const codecs = codecList(String(m.payloads ?? ''), m.rtp);
    if (codecs.length) media.codecList = codecs;
    fields.media.push(media);
  }
  return fields;
}

function codecList(payloads: string, rtp: { payload: number; codec: string; rate?: number }[]): string[] {
  const out: string[] = [];
  for (const token of payloads.split(/\s+/)) {
    if (!/^\d+$/.test(token)) continue; // `application … udp wb` carries no RTP payloads
    const pt = Number(token);
    const map = rtp.find((r) => r.payload === pt);
    const name = map ? (map.rate ? `${map.codec}/${map.rate}` : map.codec) : STATIC_PAYLOADS[pt];
    if (name) out.push(`${pt} ${name}`);
  }
  return out;
}

/** Whether two SDPs describe the same session for accounting (a refresh re-INVITE repeats it). */
export function sameSdp(a: SdpFields | undefined, b: SdpFields | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The WebPush URI of an INFO body: its `w=` line, prefix kept (Fig 53: `w=http://www.yahoo.com`). */
export function webPushUri(body: string | undefined): string | undefined {
  const m = body === undefined ? null : /^w=(\S.*?)\r?$/m.exec(body);
  return m ? `w=${m[1]}` : undefined;
}
