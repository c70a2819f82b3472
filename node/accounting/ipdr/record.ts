/**
 * Rendering of one RU as an IPDR record (`ipdr:IPDR`) in the Nortel VoIP service schema, the way the
 * seed's samples print it: SS/SC/SE/UE, children in schema order, one element per line. Pure.
 *
 * Namespace bindings (declared once on IPDRDoc, see document.ts): `ipdr` = the IPDR master schema,
 * the default namespace = Nortel's service schema, `xs` = XMLSchema-instance (for `xs:type`).
 */
import type { Media, RecordingUnit, SupplementaryService } from '../../../proto/ru.js';

/** XML 1.0 cannot carry these characters at all (not even as references). */
const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Any character xmlEscape changes (NOT_XML, the five markup characters, CR). */
const NEEDS_ESCAPE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[&<>"\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;

/**
 * Escapes text for element content or attribute values. Characters XML 1.0 cannot represent are
 * replaced by U+FFFD (the replacement character): the file stays valid, the RU in the ledger keeps
 * the original.
 */
export function xmlEscape(value: string): string {
  // Most values need nothing: one scan instead of six replaces (the hot path of every render).
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value
    .replace(NOT_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;');
}

type Scalar = string | number | boolean | undefined;

function el(out: string[], name: string, value: Scalar): void {
  if (value === undefined) return;
  // Numbers and booleans never contain markup.
  out.push(`<${name}>${typeof value === 'string' ? xmlEscape(value) : String(value)}</${name}>`);
}

function media(out: string[], list: Media[] | undefined): void {
  for (const m of list ?? []) {
    out.push('<media>');
    el(out, 'mediaName', m.mediaName);
    el(out, 'sdpProtocol', m.sdpProtocol);
    el(out, 'sdpPort', m.sdpPort);
    el(out, 'connAddr', m.connAddr);
    if (m.codecList && m.codecList.length > 0) {
      out.push('<codecList>');
      for (const c of m.codecList) el(out, 'codec', c);
      out.push('</codecList>');
    }
    out.push('</media>');
  }
}

const SUPPLEMENTARY_ORDER = [
  'corrID',
  'referBy',
  'referTo',
  'referArrival',
  'referStatus',
  'subscriberID',
  'succStatus',
  'failRsn',
  'fromAddr',
  'fromPSTNnum',
  'toAddr',
  'attemptList',
  'connParty',
  'sessionName',
  'phoneNo',
] as const satisfies readonly (keyof SupplementaryService)[];

/** UE children in the order of UE-VoIP-Type's xs:sequence. */
const UE_ORDER = [
  'uID',
  'corrID',
  'recTime',
  'protocol',
  'notifyArrival',
  'startTime',
  'endTime',
  'tUA',
  'tMG',
  'oMG',
  'ansTime',
  'origDest',
  'referBy',
  'oUA',
  'destinationPhoneNumber',
  'proprietaryErrorCode',
  'aband',
  'ansInd',
  'sessionName',
  'phoneNo',
  'webURI',
  'media',
  'outpulsedDigits',
  'failRsn',
  'referTo',
  'referArrival',
  'referStatus',
  'supplementaryService',
] as const satisfies readonly (keyof RecordingUnit)[];

export interface RecordPlacement {
  /** IPDR@seqNum: the record's number in its file series. */
  seqNum: number;
  /** IPDR@time: when the record was created in the file (xs:dateTime, UTC). */
  time: string;
}

export function renderRecord(ru: RecordingUnit, at: RecordPlacement): string {
  const out: string[] = [];
  out.push(`<ipdr:IPDR seqNum="${at.seqNum}" time="${xmlEscape(at.time)}">`);
  out.push(`<ipdr:SS service="${ru.type}">`);
  if (ru.subscriberID === undefined && ru.callingPSTN === undefined)
    out.push('<ipdr:SC xs:type="SC-VoIP-Type"/>');
  else {
    out.push('<ipdr:SC xs:type="SC-VoIP-Type">');
    el(out, 'subscriberID', ru.subscriberID);
    el(out, 'callingPSTN', ru.callingPSTN);
    out.push('</ipdr:SC>');
  }
  out.push('<ipdr:SE xs:type="SE-VoIP-Type">');
  el(out, 'appSrvID', ru.appSrvID);
  el(out, 'appSrvVer', ru.appSrvVer);
  out.push('</ipdr:SE>');
  out.push('</ipdr:SS>');
  out.push('<ipdr:UE xs:type="UE-VoIP-Type">');
  for (const key of UE_ORDER) {
    if (key === 'media') media(out, ru.media);
    else if (key === 'supplementaryService') {
      for (const s of ru.supplementaryService ?? []) {
        out.push('<supplementaryService>');
        el(out, 'servType', s.servType);
        for (const k of SUPPLEMENTARY_ORDER) el(out, k, s[k]);
        media(out, s.media);
        out.push('</supplementaryService>');
      }
    } else el(out, key, ru[key] as Scalar);
  }
  out.push('</ipdr:UE>');
  out.push('</ipdr:IPDR>');
  return `${out.join('\n')}\n`;
}
