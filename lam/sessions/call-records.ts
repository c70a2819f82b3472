/**
 * The records of a session: a pure function of the SessionTable's changes, following the method of
 * population of the IPDR tables 6–13 (`../shared/spec/ipdr-format.md` §8; decisions in D35).
 *
 *   leg answered                 → Connect{Ingress|Egress} (ansInd, ansTime)
 *   leg rejected / cancelled     → Connect… (ansInd false, aband on CANCEL, endTime, the status)
 *   answered leg ends (BYE, inactivity) → Disconnect… (endTime)
 *   long-call audit takes it down → LongCall… (endTime, failRsn 408) and no Disconnect
 *   2xx to a re-INVITE whose SDP differs from what that party last offered → SDP (hold: 0.0.0.0)
 *   INFO with a `w=` line        → SDP (WebPush)
 *   REFER, then its final NOTIFY → REFER (referStatus 2 success, 1 failure, 0 if the leg ends first)
 *
 * recTime is the time of the SIP event that completed the record, so a replay of the same events
 * gives the same records (the samples agree: recTime = ansTime, = endTime, = notifyArrival).
 */
import type { RecordingUnit } from '../../proto/ru.js';
import { type SdpFields, sameSdp, sdpFields, webPushUri } from './sdp-fields.js';
import type { LegEndCause, LegRef, SessionChange } from './session-table.js';
import { addrSpecOf, pstnNumberOf, sipfragStatus, uriOf } from './sip-addresses.js';
import { legKey, type SipEvent } from './sip-event.js';

export interface RecorderOptions {
  /** The Application Module name the customer gave when deploying (Table 5: appSrvID). */
  appSrvID: string;
  /** Its software load version (appSrvVer). */
  appSrvVer: string;
}

/** The Long Call audit's failure reason (Fig 49–50). */
export const LONG_CALL_FAIL_REASON = '408';

interface PendingRefer {
  arrival: number;
  referTo?: string;
  referBy?: string;
  notifyAt?: number;
}

interface LegState {
  ref: LegRef;
  corrID: string;
  invite: SipEvent;
  answeredAt?: number;
  response?: SipEvent;
  /** The SDP each party (by its tag) last had accepted, to tell a hold from a session refresh. */
  sdpByTag: Map<string, SdpFields>;
  pendingReinvite?: SipEvent;
  pendingRefer?: PendingRefer;
}

const iso = (at: number) => new Date(at).toISOString();

export class CallRecorder {
  private readonly corrIdBySession = new Map<string, string>();
  private readonly legs = new Map<string, LegState>();

  constructor(private readonly options: RecorderOptions) {}

  /** The records one change completes, in the order they happened. */
  record(change: SessionChange): RecordingUnit[] {
    switch (change.type) {
      case 'session-start':
      case 'stray':
        return [];
      case 'session-end':
        this.corrIdBySession.delete(change.sessionId);
        return [];
      case 'leg-start':
        this.startLeg(change.leg, change.invite);
        return [];
      case 'leg-answer': {
        const leg = this.legs.get(keyOf(change.leg));
        if (!leg) return [];
        leg.answeredAt = change.at;
        leg.response = change.response;
        const answer = sdpFields(change.response.body);
        if (answer && change.response.toTag !== undefined) leg.sdpByTag.set(change.response.toTag, answer);
        return [this.connect(leg, change.at)];
      }
      case 'mid-session': {
        const leg = this.legs.get(keyOf(change.leg));
        return leg ? this.midSession(leg, change.message) : [];
      }
      case 'leg-end': {
        const leg = this.legs.get(keyOf(change.leg));
        if (!leg) return [];
        this.legs.delete(keyOf(change.leg));
        return this.endLeg(leg, change.at, change.cause, change.status);
      }
    }
  }

  private startLeg(ref: LegRef, invite: SipEvent): void {
    // Common rule: the originator's x-nt-corr-id, else the ingress session's uID; egress legs share it.
    let corrID = this.corrIdBySession.get(ref.sessionId);
    if (corrID === undefined) {
      corrID = nonEmpty(invite.headers['x-nt-corr-id']) ?? invite.callId;
      this.corrIdBySession.set(ref.sessionId, corrID);
    }
    const sdpByTag = new Map<string, SdpFields>();
    const offer = sdpFields(invite.body);
    if (offer) sdpByTag.set(invite.fromTag, offer);
    this.legs.set(keyOf(ref), { ref, corrID, invite, sdpByTag });
  }

  private common(leg: LegState, at: number) {
    return {
      appSrvID: this.options.appSrvID,
      appSrvVer: this.options.appSrvVer,
      uID: leg.invite.callId,
      corrID: leg.corrID,
      recTime: iso(at),
    };
  }

  /** Tables 6 and 7; `ended` when the leg failed before an answer. */
  private connect(leg: LegState, at: number, ended?: { cause: LegEndCause; status?: number }): RecordingUnit {
    const invite = leg.invite;
    const h = invite.headers;
    const ingress = leg.ref.direction === 'ingress';
    const ru: RecordingUnit = {
      type: ingress ? 'ConnectIngress' : 'ConnectEgress',
      ...this.common(leg, at),
      protocol: 'sip',
      startTime: iso(invite.at),
      aband: ended?.cause === 'cancel',
      ansInd: leg.answeredAt !== undefined,
    };
    put(ru, 'callingPSTN', pstnNumberOf(h['remote-party-id']));
    if (leg.answeredAt !== undefined) ru.ansTime = iso(leg.answeredAt);
    if (ended) ru.endTime = iso(at);
    if (ended?.status !== undefined) ru.proprietaryErrorCode = ended.status;
    if (ingress) {
      put(ru, 'subscriberID', addrSpecOf(h.from));
      put(ru, 'origDest', addrSpecOf(h.to));
      put(ru, 'destinationPhoneNumber', addrSpecOf(invite.requestUri));
      put(ru, 'oUA', nonEmpty(h['user-agent']));
      put(ru, 'referBy', uriOf(h['referred-by']));
      // Table 6: "all in the SDP of the INVITE"; a late offer (INVITE without SDP) is in the 200 OK.
      const sdp = sdpFields(invite.body) ?? sdpFields(leg.response?.body);
      if (sdp) ru.supplementaryService = [{ servType: 'SDP', ...sdp }];
    } else {
      put(ru, 'outpulsedDigits', addrSpecOf(invite.requestUri));
      put(ru, 'tUA', nonEmpty(leg.response?.headers['user-agent']));
    }
    return ru;
  }

  private midSession(leg: LegState, m: SipEvent): RecordingUnit[] {
    if (m.kind === 'request') {
      if (m.method === 'INVITE') {
        leg.pendingReinvite = sdpFields(m.body) ? m : undefined;
      } else if (m.method === 'REFER') {
        leg.pendingRefer = {
          arrival: m.at,
          referTo: uriOf(m.headers['refer-to']),
          referBy: uriOf(m.headers['referred-by']),
        };
      } else if (m.method === 'NOTIFY' && leg.pendingRefer && /^refer\b/i.test(m.headers.event ?? '')) {
        const status = sipfragStatus(m.body);
        leg.pendingRefer.notifyAt = m.at;
        if (status !== undefined && status >= 200) return [this.refer(leg, m.at, status < 300 ? 2 : 1)];
      } else if (m.method === 'INFO') {
        const webURI = webPushUri(m.body);
        if (webURI) {
          const ru: RecordingUnit = { type: 'SDP', ...this.common(leg, m.at), phoneNo: 'WebPush', webURI };
          put(ru, 'subscriberID', addrSpecOf(m.headers.from));
          return [ru];
        }
      }
      return [];
    }
    const status = m.status!;
    if (m.method === 'REFER' && status >= 300 && leg.pendingRefer) return [this.refer(leg, m.at, 1)];
    if (m.method !== 'INVITE' || status < 200 || !leg.pendingReinvite) return [];
    const reinvite = leg.pendingReinvite;
    leg.pendingReinvite = undefined;
    if (status >= 300) return [];
    const sdp = sdpFields(reinvite.body)!;
    if (sameSdp(sdp, leg.sdpByTag.get(reinvite.fromTag))) return []; // a session refresh
    leg.sdpByTag.set(reinvite.fromTag, sdp);
    const ru: RecordingUnit = { type: 'SDP', ...this.common(leg, m.at), ...sdp };
    put(ru, 'subscriberID', addrSpecOf(reinvite.headers.from));
    return [ru];
  }

  private refer(leg: LegState, at: number, referStatus: 0 | 1 | 2): RecordingUnit {
    const p = leg.pendingRefer!;
    leg.pendingRefer = undefined;
    const ru: RecordingUnit = {
      type: 'REFER',
      ...this.common(leg, at),
      referArrival: iso(p.arrival),
      referStatus,
    };
    if (p.notifyAt !== undefined) ru.notifyArrival = iso(p.notifyAt);
    put(ru, 'referTo', p.referTo);
    put(ru, 'referBy', p.referBy);
    return ru;
  }

  private endLeg(leg: LegState, at: number, cause: LegEndCause, status?: number): RecordingUnit[] {
    const out: RecordingUnit[] = [];
    if (leg.pendingRefer) out.push(this.refer(leg, at, 0)); // no final NOTIFY: status unknown
    if (leg.answeredAt === undefined) {
      out.push(this.connect(leg, at, { cause, status }));
      return out;
    }
    const ingress = leg.ref.direction === 'ingress';
    if (cause === 'long-call-audit') {
      out.push({
        type: ingress ? 'LongCallIngress' : 'LongCallEgress',
        ...this.common(leg, at),
        endTime: iso(at),
        failRsn: LONG_CALL_FAIL_REASON,
      });
    } else {
      out.push({
        type: ingress ? 'DisconnectIngress' : 'DisconnectEgress',
        ...this.common(leg, at),
        endTime: iso(at),
      });
    }
    return out;
  }
}

function keyOf(ref: LegRef): string {
  return legKey(ref.callId, ref.callerTag);
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

/** Sets an optional field only when there is a value: the RU schema refuses empty strings. */
function put<K extends keyof RecordingUnit>(
  ru: RecordingUnit,
  key: K,
  value: RecordingUnit[K] | undefined,
): void {
  if (value !== undefined) ru[key] = value;
}
