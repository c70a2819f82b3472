/**
 * One SIP message as the session model sees it: what an adapter (Kamailio, or a vendor's JSON on
 * the LAM's local API) reports, reduced to the fields that decide sessions, legs and timers.
 * Validated with zod so that a bad event is refused with the field named, never half-applied.
 */
import { z } from 'zod';

const token = z.string().min(1).max(256);

export const sipEventSchema = z
  .object({
    /** When the adapter saw the message, ms since the epoch. */
    at: z.number().int().nonnegative(),
    kind: z.enum(['request', 'response']),
    /** The request's method; for a response, the method of its CSeq. */
    method: z.string().regex(/^[A-Z]{3,16}$/, 'a SIP method in capitals (INVITE, BYE, …)'),
    /** Responses only: the status code. */
    status: z.number().int().min(100).max(699).optional(),
    callId: token,
    fromTag: token,
    toTag: token.optional(),
    /** Header values the model reads, by lower-case name (e.g. `x-genesys-gvp-session-id`). */
    headers: z.record(z.string().regex(/^[a-z0-9-]+$/, 'a lower-case header name'), z.string()).default({}),
    /** Requests only: the Request-URI (`sip:8081@lab2.org:5070`). */
    requestUri: z.string().min(1).max(2048).optional(),
    /** The message body when the records need it: SDP, or the sipfrag of a NOTIFY. */
    body: z.string().max(65_536).optional(),
    /** The resource (gateway, trunk, peer address) the message came from, for tenant resolution. */
    source: z.string().max(256).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.kind === 'response' && e.status === undefined)
      ctx.addIssue({ code: 'custom', path: ['status'], message: 'a response needs its status code' });
    if (e.kind === 'request' && e.status !== undefined)
      ctx.addIssue({ code: 'custom', path: ['status'], message: 'a request has no status code' });
  });

export type SipEvent = z.output<typeof sipEventSchema>;

/**
 * The identity of a leg: its Call-ID and the tag of the side that sent the INVITE. A request from
 * the other side (the callee's BYE) carries that tag as its To tag, so a lookup tries both.
 */
export const legKey = (callId: string, callerTag: string) => `${callId};${callerTag}`;
