/** The log line format operators and collectors rely on (docs/logging.md), from a real child process. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const LOGGER = new URL('../../dist/kernel/logger.js', import.meta.url).pathname;

function logOnce(format: string): string {
  const script = `
    const { createLogger } = await import(${JSON.stringify(LOGGER)});
    const log = createLogger('info', { node: 'cam-a' }, ${JSON.stringify(format)});
    log.child({ part: 'delivery' }).warn({ series: 'Primary', err: 'connection refused' }, 'OSS feed down');
    log.debug('not shown at info');`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the logging child failed: ${r.stderr}`);
  return r.stderr;
}

describe('logs', () => {
  it('json: one object per line, the level by name, ISO time, the process identity and the part', () => {
    const lines = logOnce('json').trim().split('\n');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toEqual({
      level: 'warn',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      node: 'cam-a',
      part: 'delivery',
      series: 'Primary',
      err: 'connection refused',
      msg: 'OSS feed down',
    });
  });

  it('pretty (and auto when stderr is not a terminal: json)', () => {
    const line = logOnce('pretty').trim();
    const [entry, err, ...rest] = line.split('\n');
    expect(entry).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: OSS feed down \{.*"part":"delivery"/);
    expect(err).toBe('    err: "connection refused"');
    expect(rest).toEqual([]);
    expect(() => JSON.parse(line)).toThrow();
    expect(JSON.parse(logOnce('auto').trim()).msg).toBe('OSS feed down');
  });
});
