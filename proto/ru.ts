/**
 * The Recording Unit (RU): one accounting record of one of the 8 IPDR record types, in the
 * canonical JSON form used by the ledger, `docs/ru-format.md` and `tandem lam inject`.
 * Field names are the IPDR/XML tags of the Nortel service schema; validation is pure.
 */
import { z } from 'zod';

export const RECORD_TYPES = [
  'ConnectIngress',
  'ConnectEgress',
  'LongCallIngress',
  'LongCallEgress',
  'SDP',
  'REFER',
  'DisconnectIngress',
  'DisconnectEgress',
] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export const SERVICE_TYPES = ['SDP', 'SimRing', 'Authentication', 'SeqRing', 'Redirection', 'REFER'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** Longest accepted string value; SIP URIs with parameters and user agents fit comfortably. */
export const MAX_TEXT_LENGTH = 2048;
export const MAX_SUPPLEMENTARY_SERVICES = 5; // schema: maxOccurs="5"
export const MAX_MEDIA = 16;
export const MAX_CODECS = 32;

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;

function isRealDateTime(value: string): boolean {
  const m = DATE_TIME.exec(value);
  if (!m) return false;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  // Not Date.UTC: it maps years 0–99 to 1900–1999, and 0001-01-01 is a real xs:dateTime.
  const date = new Date(0);
  date.setUTCFullYear(y!, mo! - 1, d!);
  date.setUTCHours(h!, mi!, s!);
  return (
    y! >= 1 && // xs:dateTime (XSD 1.0) has no year 0000
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo! - 1 &&
    date.getUTCDate() === d &&
    h! < 24 &&
    mi! < 60 &&
    s! < 60
  );
}

const text = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_TEXT_LENGTH, `must be at most ${MAX_TEXT_LENGTH} characters`);
const dateTime = z
  .string()
  .refine(isRealDateTime, 'must be an xs:dateTime in UTC with a Z, e.g. 2003-03-12T15:58:46.81Z');
const referStatus = z
  .number()
  .int()
  .refine((v) => v === 0 || v === 1 || v === 2, 'must be 0 (unknown), 1 (failure) or 2 (success)');

// Strict objects: a misspelt field (ansTme) is refused by name, never silently dropped.
export const mediaSchema = z.strictObject({
  mediaName: text,
  sdpProtocol: text,
  sdpPort: z.number().int().min(0).max(65535),
  connAddr: text.optional(),
  codecList: z.array(text).max(MAX_CODECS).optional(),
});
export type Media = z.infer<typeof mediaSchema>;

export const supplementaryServiceSchema = z.strictObject({
  servType: z.enum(SERVICE_TYPES),
  corrID: text.optional(),
  referBy: text.optional(),
  referTo: text.optional(),
  referArrival: dateTime.optional(),
  referStatus: referStatus.optional(),
  subscriberID: text.optional(),
  succStatus: text.optional(),
  failRsn: text.optional(),
  fromAddr: text.optional(),
  fromPSTNnum: text.optional(),
  toAddr: text.optional(),
  attemptList: text.optional(),
  connParty: text.optional(),
  sessionName: text.optional(),
  phoneNo: text.optional(),
  media: z.array(mediaSchema).max(MAX_MEDIA).optional(),
});
export type SupplementaryService = z.infer<typeof supplementaryServiceSchema>;

export const recordingUnitSchema = z.strictObject({
  type: z.enum(RECORD_TYPES),
  appSrvID: text,
  appSrvVer: text,
  subscriberID: text.optional(),
  callingPSTN: text.optional(),
  uID: text,
  corrID: text,
  recTime: dateTime,
  protocol: text.optional(),
  notifyArrival: dateTime.optional(),
  startTime: dateTime.optional(),
  endTime: dateTime.optional(),
  tUA: text.optional(),
  tMG: text.optional(),
  oMG: text.optional(),
  ansTime: dateTime.optional(),
  origDest: text.optional(),
  referBy: text.optional(),
  oUA: text.optional(),
  destinationPhoneNumber: text.optional(),
  proprietaryErrorCode: z.number().int().optional(),
  aband: z.boolean().optional(),
  ansInd: z.boolean().optional(),
  sessionName: text.optional(),
  phoneNo: text.optional(),
  webURI: text.optional(),
  media: z.array(mediaSchema).max(MAX_MEDIA).optional(),
  outpulsedDigits: text.optional(),
  failRsn: text.optional(),
  referTo: text.optional(),
  referArrival: dateTime.optional(),
  referStatus: referStatus.optional(),
  supplementaryService: z
    .array(supplementaryServiceSchema)
    .max(MAX_SUPPLEMENTARY_SERVICES, `at most ${MAX_SUPPLEMENTARY_SERVICES} supplementaryService elements`)
    .optional(),
});
export type RecordingUnit = z.infer<typeof recordingUnitSchema>;

export interface FieldProblem {
  field: string;
  message: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: FieldProblem };

function pathToString(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const part of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[part];
  }
  return v;
}

/** Validates one RU; on failure names the first bad field, e.g. "rus[3].recTime". */
export function checkRecordingUnit(input: unknown, prefix = ''): Checked<RecordingUnit> {
  const result = recordingUnitSchema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const field = pathToString(prefix, [...issue.path, issue.keys[0]!]);
    return { ok: false, problem: { field, message: 'is not a field of an RU (docs/ru-format.md)' } };
  }
  const field = pathToString(prefix, issue.path);
  let message = issue.message.replace(/^Invalid input: /, '');
  const absent = valueAt(input, issue.path) === undefined;
  if (absent && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) message = 'is required';
  return { ok: false, problem: { field: field || prefix || 'ru', message } };
}
