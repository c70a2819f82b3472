/** The seed's 15 sample records, read back into RUs, for the renderer's reproduction tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { RecordingUnit } from '../../proto/ru.js';

/** Copies of the seed's samples (../shared/spec/samples) and schemas, kept in the repo. */
export const SAMPLES_DIR = join(import.meta.dirname, '..', 'fixtures', 'ipdr-samples');
export const SCHEMA_DIR = join(import.meta.dirname, '..', '..', 'node', 'accounting', 'ipdr', 'schema');

export const xmlParser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ['supplementaryService', 'media', 'codec', 'ipdr:IPDR'].includes(name),
});

type Node = Record<string, unknown>;
const NUMERIC = new Set(['sdpPort', 'proprietaryErrorCode', 'referStatus']);
const BOOLEAN = new Set(['aband', 'ansInd']);

function convert(node: Node): Node {
  const out: Node = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('@_')) continue;
    if (k === 'media') out.media = (v as Node[]).map(convert);
    else if (k === 'supplementaryService') out.supplementaryService = (v as Node[]).map(convert);
    else if (k === 'codecList') out.codecList = (v as { codec: string[] }).codec;
    else if (NUMERIC.has(k)) out[k] = Number(v);
    else if (BOOLEAN.has(k)) out[k] = v === 'true';
    else out[k] = v;
  }
  return out;
}

export interface Sample {
  file: string;
  xml: string;
  ru: RecordingUnit;
  seqNum: number;
  time: string;
}

export function loadSamples(): Sample[] {
  return readdirSync(SAMPLES_DIR)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((file) => {
      const xml = readFileSync(join(SAMPLES_DIR, file), 'utf8');
      const ipdr = (xmlParser.parse(xml)['ipdr:IPDR'] as Node[])[0]!;
      const ss = ipdr['ipdr:SS'] as Node;
      const sc = typeof ss['ipdr:SC'] === 'object' ? (ss['ipdr:SC'] as Node) : {};
      const se = ss['ipdr:SE'] as Node;
      const ru = {
        type: ss['@_service'],
        ...convert(se),
        ...convert(sc),
        ...convert(ipdr['ipdr:UE'] as Node),
      } as unknown as RecordingUnit;
      return { file, xml, ru, seqNum: Number(ipdr['@_seqNum']), time: String(ipdr['@_time']) };
    });
}
