import { describe, expect, it } from 'vitest';
import {
  type BootstrapDecision,
  chooseBootstrap,
  parseGrastate,
  type RecordedMemberState,
} from '../../node/replication/bootstrap.js';

const U = '6f2a1c5e-0000-11ef-8000-000000000001';
const m = (member: string, over: Partial<RecordedMemberState> = {}): RecordedMemberState => ({
  member,
  running: false,
  uuid: U,
  seqno: 100,
  safeToBootstrap: false,
  ...over,
});

describe('choosing the bootstrap member after both servers went down', () => {
  it.each<[string, RecordedMemberState[], BootstrapDecision]>([
    [
      'the highest seqno wins',
      [m('a', { seqno: 90 }), m('b', { seqno: 120 })],
      { bootstrap: 'b', why: 'b has the highest seqno (120)' },
    ],
    [
      'safe_to_bootstrap (clean last shutdown) wins',
      [m('a', { seqno: 90, safeToBootstrap: true }), m('b', { seqno: 80 })],
      { bootstrap: 'a', why: 'a shut down last (safe_to_bootstrap)' },
    ],
    [
      'a tie is broken by name, deterministically',
      [m('b'), m('a')],
      { bootstrap: 'a', why: 'all members at seqno 100; a chosen by name' },
    ],
    [
      'two safe_to_bootstrap flags: by seqno',
      [m('a', { safeToBootstrap: true, seqno: 5 }), m('b', { safeToBootstrap: true, seqno: 6 })],
      { bootstrap: 'b', why: 'b has the highest seqno (6)' },
    ],
    [
      'a member still running: never bootstrap',
      [m('a'), m('b', { running: true })],
      { refused: 'b is running: start the others normally so they join it' },
    ],
    [
      'a member that cannot be asked: never bootstrap',
      [m('a', { seqno: 500 }), m('b', { running: 'unknown' })],
      { refused: 'b cannot be asked: it may hold a Primary component; check that server first' },
    ],
    [
      'an unrecoverable position',
      [m('a'), m('b', { seqno: null })],
      { refused: 'b: its position could not be recovered (see its recover log)' },
    ],
    [
      'members of different clusters',
      [m('a'), m('b', { uuid: 'other' })],
      { refused: `members belong to different clusters (${U}, other)` },
    ],
    ['no members', [], { refused: 'no members' }],
  ])('%s', (_what, states, decision) => {
    expect(chooseBootstrap(states)).toEqual(decision);
  });
});

describe('grastate.dat', () => {
  it.each([
    [
      `# GALERA saved state\nversion: 2.1\nuuid:    ${U}\nseqno:   -1\nsafe_to_bootstrap: 0\n`,
      { uuid: U, seqno: null, safeToBootstrap: false },
    ],
    [
      `version: 2.1\nuuid: ${U}\nseqno: 4711\nsafe_to_bootstrap: 1\n`,
      { uuid: U, seqno: 4711, safeToBootstrap: true },
    ],
    [
      'uuid: 00000000-0000-0000-0000-000000000000\nseqno: -1\n',
      { uuid: null, seqno: null, safeToBootstrap: false },
    ],
    ['garbage', { uuid: null, seqno: null, safeToBootstrap: false }],
  ])('%j', (text, parsed) => {
    expect(parseGrastate(text)).toEqual(parsed);
  });
});
