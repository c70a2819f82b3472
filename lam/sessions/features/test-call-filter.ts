/**
 * An example plug-in (docs/sessions.md shows how to write one): calls an operator places to test
 * the network are not billed. At SipAccess_SessionAccept it vetoes a session whose caller (the
 * INVITE's From user) starts with one of the configured prefixes; every other session is annotated
 * with the number dialled (`dialled`, the Request-URI user), which later points can read.
 */
import type { FeatureOutcome, PointContext, SessionFeature } from '../points.js';
import { pstnNumberOf } from '../sip-addresses.js';

export class TestCallFilter implements SessionFeature {
  readonly name = 'test-call-filter';
  readonly points = ['SipAccess_SessionAccept'] as const;

  constructor(private readonly callerPrefixes: readonly string[]) {}

  run(ctx: PointContext): FeatureOutcome | undefined {
    const caller = pstnNumberOf(ctx.message?.headers.from);
    const prefix = this.callerPrefixes.find((p) => caller?.startsWith(p));
    if (prefix !== undefined) return { veto: `test call: caller ${caller} starts with ${prefix}` };
    const dialled = pstnNumberOf(ctx.message?.requestUri);
    return dialled === undefined ? undefined : { annotate: { dialled } };
  }
}
