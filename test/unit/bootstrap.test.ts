import { describe, expect, it } from 'vitest';
import {
  type BootstrapDecision,
  chooseBootstrap,
  decideMemberStart,
  type MemberStart,
  type PeerMember,
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

describe('how a node starts its own member', () => {
  const self = { id: 'cam-a', uuid: U, seqno: 100, safeToBootstrap: false };
  const peer = (member: Partial<PeerMember>) => ({
    id: 'cam-b',
    member: { state: 'down' as const, uuid: U, seqno: 100, safeToBootstrap: false, ...member },
  });
  it.each<[string, Parameters<typeof decideMemberStart>[0], MemberStart]>([
    [
      'the peer is Primary: join it',
      { self, peer: peer({ state: 'primary' }), bootstrapAlone: false },
      { action: 'join', why: "cam-b's member is in a Primary component" },
    ],
    [
      'the peer is starting: wait for it',
      { self, peer: peer({ state: 'starting' }), bootstrapAlone: false },
      { action: 'wait', why: "cam-b's member is starting" },
    ],
    [
      'both down, this one is ahead: bootstrap',
      { self: { ...self, seqno: 120 }, peer: peer({}), bootstrapAlone: false },
      { action: 'bootstrap', why: 'cam-a has the highest seqno (120)' },
    ],
    [
      'both down, the peer is ahead: wait to join it',
      { self, peer: peer({ seqno: 130 }), bootstrapAlone: false },
      { action: 'wait', why: 'cam-b bootstraps (cam-b has the highest seqno (130)); this member joins it' },
    ],
    [
      'both down, the peer shut down last: wait',
      { self, peer: peer({ safeToBootstrap: true }), bootstrapAlone: false },
      {
        action: 'wait',
        why: 'cam-b bootstraps (cam-b shut down last (safe_to_bootstrap)); this member joins it',
      },
    ],
    [
      'the peer cannot be asked: wait',
      { self, peer: undefined, bootstrapAlone: false },
      { action: 'wait', why: 'the peer cannot be asked: it may hold a Primary component' },
    ],
    [
      'the peer cannot be asked, operator override: bootstrap',
      { self, peer: undefined, bootstrapAlone: true },
      { action: 'bootstrap', why: 'the operator allowed bootstrapping alone (galera.bootstrapAlone)' },
    ],
    [
      'the peer has not recovered its position yet: wait',
      { self, peer: peer({ seqno: null }), bootstrapAlone: false },
      { action: 'wait', why: 'cam-b: its position could not be recovered (see its recover log)' },
    ],
  ])('%s', (_what, input, decision) => {
    expect(decideMemberStart(input)).toEqual(decision);
  });
});
