import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticRu } from '../../lam/synthetic.js';
import { recorderId, renderDocumentEnd, renderDocumentStart } from '../../node/accounting/ipdr/document.js';
import { renderRecord, xmlEscape } from '../../node/accounting/ipdr/record.js';
import { checkRecordingUnit, RECORD_TYPES } from '../../proto/ru.js';
import { loadSamples, SCHEMA_DIR, xmlParser } from '../harness/ipdr-samples.js';

const samples = loadSamples();

function validate(xml: string): { ok: boolean; output: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'tandem-xsd-')), 'doc.xml');
  writeFileSync(file, xml);
  try {
    const output = execFileSync(
      'xmllint',
      ['--noout', '--schema', join(SCHEMA_DIR, 'NortelIMS_VoIPschema.xsd'), file],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ).toString();
    return { ok: true, output };
  } catch (err) {
    return { ok: false, output: String((err as { stderr?: Buffer }).stderr ?? err) };
  }
}

const document = (records: string[]) =>
  renderDocumentStart({
    seqNum: 1,
    version: '2.0 Tandem/test',
    recorderId: recorderId('198.18.0.100'),
    startTime: '2026-11-24T08:00:00Z',
  }) +
  records.join('') +
  renderDocumentEnd({ count: records.length, endTime: '2026-11-24T08:00:20Z' });

describe('the 15 seed samples', () => {
  it('are 15, covering all 8 record types', () => {
    expect(samples).toHaveLength(15);
    expect(new Set(samples.map((s) => s.ru.type))).toEqual(new Set(RECORD_TYPES));
  });

  it.each(samples.map((s) => [s.file, s] as const))('%s is reproduced from its RU', (_file, s) => {
    expect(checkRecordingUnit(s.ru).ok).toBe(true);
    const rendered = renderRecord(s.ru, { seqNum: s.seqNum, time: s.time });
    expect(xmlParser.parse(rendered)).toEqual(xmlParser.parse(s.xml));
  });

  it('a document of all 15 is valid against both schemas (xmllint)', () => {
    const result = validate(
      document(samples.map((s) => renderRecord(s.ru, { seqNum: s.seqNum, time: s.time }))),
    );
    expect(result.output).toMatch(/validates|^$/);
    expect(result.ok).toBe(true);
  });
});

describe('hostile values', () => {
  it('escapes markup and replaces characters XML cannot carry', () => {
    expect(xmlEscape('a<b>&"c"\u0001\u0000\uFFFF\uD800x')).toBe(
      'a&lt;b&gt;&amp;&quot;c&quot;\uFFFD\uFFFD\uFFFD\uFFFDx',
    );
    expect(xmlEscape('😀 é \t\n')).toBe('😀 é \t\n');
  });

  it('property: any strings in any record type give a schema-valid document', () => {
    const records: string[] = [];
    fc.assert(
      fc.property(
        fc.constantFrom(...RECORD_TYPES),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
        fc.nat(),
        (type, s, n) => {
          const ru = { ...syntheticRu('App1', n, type), oUA: s, uID: `${s}-${n}`, referBy: s };
          records.push(renderRecord(ru, { seqNum: records.length + 1, time: '2026-11-24T08:00:00Z' }));
        },
      ),
      { numRuns: 150 },
    );
    const result = validate(document(records));
    expect(result.output).toMatch(/validates|^$/);
    expect(result.ok).toBe(true);
  });
});
