/**
 * `tandem ipdr verify DIR`: checks accounting files as an OSS would receive them — the name, schema
 * validity against both XSDs (xmllint), and IPDRDoc.End@count against the records in the file.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import yauzl from 'yauzl';
import { parseTimestampedName } from '../../../kernel/file-names.js';
import { mustBeDirectory } from '../../../kernel/fs-checks.js';

export const IPDR_EXTENSIONS = [
  'active',
  'closed',
  'closed.zip',
  'closed.transferred',
  'closed.zip.transferred',
];
export const SCHEMA = join(
  import.meta.dirname.replace(/dist[/\\]/, ''),
  'schema',
  'NortelIMS_VoIPschema.xsd',
);

export interface FileCheck {
  file: string;
  records?: number;
  problems: string[];
}

async function unzipFirst(buf: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('not a zip'));
      zip.once('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('cannot read entry'));
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => resolve(Buffer.concat(chunks)));
          stream.on('error', reject);
        });
      });
      zip.once('end', () => reject(new Error('empty zip')));
      zip.readEntry();
    });
  });
}

function xmllint(content: Buffer): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = execFile('xmllint', ['--noout', '--schema', SCHEMA, '-'], (err, _out, stderr) => {
      if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT') return reject(new XmllintMissingError());
      resolve(
        err
          ? stderr
              .split('\n')
              .filter((l) => l && !l.endsWith('fails to validate'))
              .slice(0, 3)
              .join('; ')
          : undefined,
      );
    });
    child.stdin?.on('error', () => undefined); // xmllint absent: the write fails too
    child.stdin?.end(content);
  });
}

export async function verifyFile(dir: string, file: string): Promise<FileCheck> {
  const check: FileCheck = { file: join(dir, file), problems: [] };
  const name = parseTimestampedName('IPDR', file, IPDR_EXTENSIONS);
  if (!name) {
    check.problems.push(
      'name does not follow IPDR_<yyyymmdd>@<hhmmssmmm>.<active|closed|closed.zip|…transferred>',
    );
    return check;
  }
  if (name.extension === 'active') return check; // still being written
  let content: Buffer = await readFile(join(dir, file));
  if (name.extension.includes('zip')) {
    try {
      content = await unzipFirst(content);
    } catch (err) {
      check.problems.push(`not a readable zip: ${(err as Error).message}`);
      return check;
    }
  }
  const text = content.toString('utf8');
  check.records = (text.match(/<ipdr:IPDR /g) ?? []).length;
  const count = /<ipdr:IPDRDoc\.End count="(\d+)"/.exec(text);
  if (!count) check.problems.push('no IPDRDoc.End');
  else if (Number(count[1]) !== check.records) {
    check.problems.push(`IPDRDoc.End@count is ${count[1]} but the file holds ${check.records} records`);
  }
  const invalid = await xmllint(content);
  if (invalid !== undefined) check.problems.push(`not valid against the IPDR/Nortel schemas: ${invalid}`);
  return check;
}

/** Every IPDR file in DIR and in its Primary/ and Recovery/ subdirectories. */
/** Without xmllint nothing can be checked against the schemas: say so, never "invalid" with no reason. */
export class XmllintMissingError extends Error {
  constructor() {
    super(
      'xmllint is not installed (Debian package libxml2-utils); it checks every file against the IPDR schemas',
    );
    this.name = 'XmllintMissingError';
  }
}

export async function verifyIpdrDir(dir: string): Promise<FileCheck[]> {
  await mustBeDirectory(dir);
  const dirs = [dir];
  for (const sub of ['Primary', 'Recovery']) {
    if (
      await stat(join(dir, sub)).then(
        (s) => s.isDirectory(),
        () => false,
      )
    )
      dirs.push(join(dir, sub));
  }
  const checks: FileCheck[] = [];
  for (const d of dirs) {
    for (const f of (await readdir(d)).sort()) {
      if (f.startsWith('IPDR_')) checks.push(await verifyFile(d, f));
    }
  }
  return checks;
}
