import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirLock, ownerHolds } from '../../kernel/dir-lock.js';

describe('DirLock', () => {
  it('refuses a second owner, naming the first; free again after release', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-lock-'));
    const first = DirLock.acquire(dir, 'tandem node cam-a');
    expect(() => DirLock.acquire(dir, 'tandem node cam-a')).toThrow(
      new RegExp(`${dir} is in use by tandem node cam-a \\(pid ${process.pid}\\); stop it first`),
    );
    first.release();
    DirLock.acquire(dir, 'again').release();
  });

  it('takes over a lock left by a process that died (kill -9)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-lock-'));
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    await new Promise((r) => child.once('spawn', r));
    const ticks = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19];
    writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: child.pid, startTicks: ticks, what: 'lam run' }));
    expect(() => DirLock.acquire(dir, 'me')).toThrow(/in use by lam run/);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    DirLock.acquire(dir, 'me').release();
  });

  it('takes over a torn lock file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-lock-'));
    writeFileSync(join(dir, '.lock'), '{"pid":');
    DirLock.acquire(dir, 'me').release();
  });

  it.each([
    ['same process, same start', { pid: 1, startTicks: '42', what: 'x' }, '42', true],
    ['pid recycled by another process', { pid: 1, startTicks: '42', what: 'x' }, '99', false],
    ['pid gone', { pid: 1, startTicks: '42', what: 'x' }, undefined, false],
    ['no owner recorded', undefined, '42', false],
  ])('ownerHolds: %s', (_what, owner, ticks, expected) => {
    expect(ownerHolds(owner, ticks)).toBe(expected);
  });
});
