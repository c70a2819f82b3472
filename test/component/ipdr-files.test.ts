import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticRu } from '../../lam/synthetic.js';
import { renderOffline } from '../../node/accounting/ipdr/render-offline.js';
import { verifyFile, verifyIpdrDir } from '../../node/accounting/ipdr/verify.js';
import { CLI } from '../../ops/local-process.js';
import { RECORD_TYPES } from '../../proto/ru.js';
import { sha256File } from '../harness/ipdr-files.js';

const rus = Array.from({ length: 400 }, (_, n) => syntheticRu('App1', n, RECORD_TYPES[n % 8]));
const opts = (outDir: string, compress: boolean) => ({
  outDir,
  camIpAddress: '198.18.0.100',
  version: '2.0 Tandem/test',
  compress,
  fileRotationSize: 40_000,
  fileRotationTime: 4_000,
});

describe('IPDR files', () => {
  it.each([false, true])(
    'rotate by size and time, verify clean, count every RU once (compress=%s)',
    async (compress) => {
      const dir = mkdtempSync(join(tmpdir(), 'tandem-ipdr-'));
      const files = await renderOffline(rus, opts(dir, compress));
      expect(files.length).toBeGreaterThan(3);
      expect(files.reduce((n, f) => n + f.records, 0)).toBe(rus.length);
      const names = readdirSync(dir);
      expect(
        names.every((n) => new RegExp(`^IPDR_\\d{8}@\\d{9}\\.closed${compress ? '\\.zip' : ''}$`).test(n)),
      ).toBe(true);
      if (!compress)
        for (const n of names) expect(readFileSync(join(dir, n)).length).toBeLessThanOrEqual(40_000);
      const checks = await verifyIpdrDir(dir);
      expect(checks.filter((c) => c.problems.length > 0)).toEqual([]);
      expect(checks.reduce((n, c) => n + (c.records ?? 0), 0)).toBe(rus.length);
    },
  );

  it('the same input renders byte-identical files (what makes both servers hold the same files)', async () => {
    const a = mkdtempSync(join(tmpdir(), 'tandem-ipdr-a-'));
    const b = mkdtempSync(join(tmpdir(), 'tandem-ipdr-b-'));
    await renderOffline(rus, opts(a, true));
    await renderOffline(rus, opts(b, true));
    const names = readdirSync(a).sort();
    expect(readdirSync(b).sort()).toEqual(names);
    for (const n of names) expect(sha256File(join(b, n))).toBe(sha256File(join(a, n)));
  });

  it('never overwrites: rendering again into the same directory adds files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-ipdr-'));
    const first = await renderOffline(rus.slice(0, 50), opts(dir, false));
    const before = Object.fromEntries(readdirSync(dir).map((n) => [n, sha256File(join(dir, n))]));
    await renderOffline(rus.slice(0, 50), opts(dir, false));
    const after = readdirSync(dir);
    expect(after.length).toBe(2 * first.length);
    for (const [n, h] of Object.entries(before)) expect(sha256File(join(dir, n))).toBe(h);
  });

  it('verify reports a wrong count, an invalid document and a bad name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-ipdr-'));
    const [file] = await renderOffline(rus.slice(0, 10), opts(dir, false));
    const path = join(dir, file!.name);
    writeFileSync(path, readFileSync(path, 'utf8').replace('count="10"', 'count="11"'));
    expect((await verifyFile(dir, file!.name)).problems).toEqual([
      'IPDRDoc.End@count is 11 but the file holds 10 records',
    ]);
    writeFileSync(
      path,
      readFileSync(path, 'utf8')
        .replace('count="11"', 'count="10"')
        .replace('<uID>', '<uid>')
        .replace('</uID>', '</uid>'),
    );
    expect((await verifyFile(dir, file!.name)).problems[0]).toMatch(
      /not valid against the IPDR\/Nortel schemas/,
    );
    writeFileSync(join(dir, 'IPDR_2026.closed'), 'x');
    expect((await verifyFile(dir, 'IPDR_2026.closed')).problems[0]).toMatch(/name does not follow/);
  });
});

describe('tandem ipdr verify over 10,000 files', () => {
  it('streams results and progress while it runs, and finds the two bad files', {
    timeout: 120_000,
  }, async () => {
    const src = mkdtempSync(join(tmpdir(), 'tandem-ipdr-src-'));
    const plain = await renderOffline(rus.slice(0, 100), {
      ...opts(join(src, 'plain'), false),
      fileRotationSize: 8_000,
    });
    const zipped = await renderOffline(rus.slice(0, 100), {
      ...opts(join(src, 'zip'), true),
      fileRotationSize: 8_000,
    });
    const dir = mkdtempSync(join(tmpdir(), 'tandem-ipdr-10k-'));
    const names: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const zip = i % 4 === 0;
      const from = zip
        ? join(src, 'zip', zipped[i % zipped.length]!.name)
        : join(src, 'plain', plain[i % plain.length]!.name);
      const t = i * 100;
      const hms = [t / 3_600_000, (t / 60_000) % 60, (t / 1000) % 60].map((v) =>
        String(Math.floor(v)).padStart(2, '0'),
      );
      const name = `IPDR_20261124@${hms.join('')}${String(t % 1000).padStart(3, '0')}.closed${zip ? '.zip' : ''}`;
      copyFileSync(from, join(dir, name));
      names.push(name);
    }
    // One file that is no longer schema-valid, one zip that is not a zip.
    const invalid = join(dir, names[6001]!);
    writeFileSync(
      invalid,
      readFileSync(invalid, 'utf8').replace('<uID>', '<uid>').replace('</uID>', '</uid>'),
    );
    writeFileSync(join(dir, names[8000]!), 'PK not really');

    const child = spawn(process.execPath, [CLI, 'ipdr', 'verify', dir]);
    let out = '';
    let err = '';
    let finalProgressSeen = false;
    let firstResultBeforeTheEnd: boolean | undefined;
    child.stdout.on('data', (c: Buffer) => {
      if (firstResultBeforeTheEnd === undefined) firstResultBeforeTheEnd = !finalProgressSeen;
      out += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c;
      if (err.includes('10000/10000 files')) finalProgressSeen = true;
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));

    expect(code).toBe(1);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(10_001);
    expect(lines.at(-1)).toBe('10000 files, 2 with problems');
    const problems = lines.filter((l) => l.includes('PROBLEM'));
    expect(problems.map((l) => l.split('\t')[0])).toEqual([invalid, join(dir, names[8000]!)]);
    expect(problems[0]).toMatch(/not valid against the IPDR\/Nortel schemas: \d+: .*uid/);
    expect(problems[1]).toMatch(/not a readable zip/);
    // Results came while files were still being checked, with progress lines on stderr.
    expect(firstResultBeforeTheEnd).toBe(true);
    expect(err).toMatch(/^ipdr verify: \d+\/10000 files, \d with problems$/m);
    expect(err.trim().split('\n').at(-1)).toBe('ipdr verify: 10000/10000 files, 2 with problems');
  });
});

describe('property: random RU streams', () => {
  it('all 8 types with hostile strings → as many records as RUs, every file valid', async () => {
    const fc = (await import('fast-check')).default;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            type: fc.constantFrom(...RECORD_TYPES),
            text: fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }),
            n: fc.nat(1_000_000),
          }),
          { minLength: 1, maxLength: 120 },
        ),
        async (items) => {
          const stream = items.map((it, i) => ({
            ...syntheticRu('App1', it.n + i, it.type),
            oUA: it.text,
            referTo: it.text,
          }));
          const dir = mkdtempSync(join(tmpdir(), 'tandem-ipdr-prop-'));
          const files = await renderOffline(stream, { ...opts(dir, false), fileRotationSize: 8_000 });
          const checks = await verifyIpdrDir(dir);
          return (
            files.reduce((n, f) => n + f.records, 0) === stream.length &&
            checks.every((c) => c.problems.length === 0) &&
            checks.reduce((n, c) => n + (c.records ?? 0), 0) === stream.length
          );
        },
      ),
      { numRuns: 25 },
    );
  });
});
