/**
 * Which LAM is calling, with mutual TLS (`tls.enabled`): a LAM may open a stream only as the
 * component its certificate names. A refusal is answered with ERROR_CODE_UNAUTHENTICATED naming
 * the reason, counted by reason, and raises LamAuthenticationFailure, cleared once no refusal has
 * happened for CLEAR_AFTER_MS (a misconfigured LAM retries every few seconds and keeps it up).
 */
import type { AlarmRegistry } from '../../kernel/alarms.js';
import type { CallWithCertificate, TlsPeers } from '../../kernel/tls/credentials.js';
import type { CertificateProblem } from '../../kernel/tls/identity.js';
import type { WireError } from '../../proto/dtp.js';

export const ALARM_LAM_AUTH = 'LamAuthenticationFailure';
const CLEAR_AFTER_MS = 10 * 60_000;

export class LamAuthentication {
  readonly refused: Partial<Record<CertificateProblem, number>> = {};
  private clearTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly peers: TlsPeers,
    private readonly alarms: AlarmRegistry,
  ) {}

  get enabled(): boolean {
    return this.peers.enabled;
  }

  /** undefined when the call may go on as `lamId`; otherwise the Error frame to end it with. */
  check(call: CallWithCertificate, lamId: string): WireError | undefined {
    const verdict = this.peers.verify(call, { kind: 'lam', name: lamId, usage: 'client' });
    if (verdict.ok) return undefined;
    this.refused[verdict.problem] = (this.refused[verdict.problem] ?? 0) + 1;
    const message = `LAM ${JSON.stringify(lamId)} refused: ${verdict.message}`;
    this.alarms.raise(ALARM_LAM_AUTH, 'major', `${message} (from ${call.getPeer()})`);
    clearTimeout(this.clearTimer);
    this.clearTimer = setTimeout(
      () => this.alarms.clear(ALARM_LAM_AUTH, 'no refused LAM certificate for 10 minutes'),
      CLEAR_AFTER_MS,
    ).unref();
    const error: WireError = { code: 'ERROR_CODE_UNAUTHENTICATED', message };
    if (verdict.problem === 'wrong-identity') error.field = 'lam_id';
    return error;
  }

  stop(): void {
    clearTimeout(this.clearTimer);
  }
}
