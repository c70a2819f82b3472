import { describe, expect, it } from 'vitest';
import { versionSkewProblem } from '../../node/heartbeat/version-skew.js';

describe('versionSkewProblem (which releases may form a pair)', () => {
  it.each<[string, string, string | undefined]>([
    ['0.1.0', '0.1.0', undefined],
    ['0.1.0', '0.1.7', undefined],
    ['0.1.0', '0.2.0', undefined],
    ['0.2.0', '0.1.3', undefined],
    ['1.4.0', '1.5.0-rc.1', undefined],
    [
      '0.1.0',
      '0.3.0',
      'cam-b runs 0.3.0, this node 0.1.0: more than one release apart (upgrade one release at a time)',
    ],
    [
      '0.3.0',
      '0.1.0',
      'cam-b runs 0.1.0, this node 0.3.0: more than one release apart (upgrade one release at a time)',
    ],
    [
      '1.0.0',
      '0.9.0',
      'cam-b runs 0.9.0, this node 1.0.0: another major version (upgrade one release at a time)',
    ],
    ['0.1.0', '', 'cam-b sends no version (a release before version checks)'],
    ['0.1.0', 'next', `cam-b's version "next" is not major.minor.patch`],
    ['dev', '0.1.0', `this node's version "dev" is not major.minor.patch`],
  ])('%s beside %s', (own, peer, problem) => {
    expect(versionSkewProblem(own, 'cam-b', peer)).toBe(problem);
  });
});
