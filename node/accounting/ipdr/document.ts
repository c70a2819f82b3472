/**
 * The IPDR document (one accounting file): IPDRDoc with IPDRRec, the records, IPDRDoc.End.
 * Only the Table 4 subset of the master schema is used. Pure. Decisions: docs/decisions.md D12.
 */
import yazl from 'yazl';
import { xmlEscape } from './record.js';

export const IPDR_NS = 'http://www.ipdr.org/namespaces/ipdr';
export const NORTEL_NS = 'http://www.nortelnetworks.com/namespaces/ipdr';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

/**
 * IPDRRec@id must be an xs:ID (an NCName: no leading digit, no colon), so the CAM IP Address the seed
 * wants "written into the IPDR" is carried as `CAM-<address>` — the logical IP, the same on both nodes.
 */
export function recorderId(camIpAddress: string): string {
  return `CAM-${camIpAddress}`;
}

export interface DocumentHead {
  seqNum: number;
  /** IPDR version and Accounting Module release, e.g. "2.0 Tandem/0.1.0". */
  version: string;
  recorderId: string;
  /** IPDRRec@startTime: when the file was created (xs:dateTime, UTC). */
  startTime: string;
}

export function renderDocumentStart(head: DocumentHead): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<ipdr:IPDRDoc xmlns="${NORTEL_NS}" xmlns:ipdr="${IPDR_NS}" xmlns:xs="${XSI_NS}" seqNum="${head.seqNum}" version="${xmlEscape(head.version)}">`,
    `<ipdr:IPDRRec id="${xmlEscape(head.recorderId)}" startTime="${xmlEscape(head.startTime)}"/>`,
    '',
  ].join('\n');
}

export function renderDocumentEnd(end: { count: number; endTime: string }): string {
  return `<ipdr:IPDRDoc.End count="${end.count}" endTime="${xmlEscape(end.endTime)}"/>\n</ipdr:IPDRDoc>\n`;
}

/** xs:dateTime in UTC with whole seconds, as the samples print IPDR@time. */
export function ipdrTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The most bytes IPDRDoc.End can take: room kept free when deciding whether a record still fits. */
export const MAX_END_BYTES = renderDocumentEnd({
  count: 999_999_999,
  endTime: '0000-00-00T00:00:00Z',
}).length;

/**
 * A `.closed.zip`: one entry `<stem>.xml` with fixed metadata (mtime = close time), so the same
 * content closed at the same time gives the same bytes on every node.
 */
export async function zipDocument(
  stem: string,
  content: Buffer | string,
  closedAtMs: number,
): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(content), `${stem}.xml`, {
    mtime: new Date(closedAtMs),
    mode: 0o100644,
    compress: true,
  });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
