/**
 * SIP addresses as the IPDR samples write them. Pure.
 *
 * - `addrSpecOf('"Bob" <sip:8081@lab2.org:5070;transport=udp>;tag=9')` → `8081@lab2.org:5070`
 *   (subscriberID, origDest, destinationPhoneNumber, outpulsedDigits: no scheme, no parameters).
 * - `pstnNumberOf('<sip:+19725550100@gw;user=phone>;party=calling')` → `+19725550100` (callingPSTN).
 * - `uriOf('<sip:8081@lab2.org>')` → `sip:8081@lab2.org` (referTo, referBy keep the scheme and
 *   any header parameters, as Fig 54 does; only the angle brackets go).
 */

/** The URI inside a name-addr (`"x" <uri>;params`) or the addr-spec itself, without header parameters. */
function uriPart(value: string): string {
  const v = value.trim();
  const open = v.indexOf('<');
  if (open >= 0) {
    const close = v.indexOf('>', open);
    return v.slice(open + 1, close < 0 ? undefined : close).trim();
  }
  const semi = v.indexOf(';'); // without brackets, `;` starts header parameters (RFC 3261 §20.10)
  return (semi < 0 ? v : v.slice(0, semi)).trim();
}

export function addrSpecOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const uri = uriPart(value)
    .replace(/^(sips?|tel):/i, '')
    .replace(/[;?].*$/, '');
  return uri === '' ? undefined : uri;
}

export function pstnNumberOf(value: string | undefined): string | undefined {
  const spec = addrSpecOf(value);
  if (spec === undefined) return undefined;
  const user = spec.includes('@') ? spec.slice(0, spec.indexOf('@')) : spec;
  return user === '' ? undefined : user;
}

export function uriOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  const m = /^<([^>]*)>(.*)$/.exec(v);
  const out = m ? `${m[1]}${m[2]}`.trim() : v;
  return out === '' ? undefined : out;
}

/** The status code of a `message/sipfrag` body (`SIP/2.0 200 OK`), as a REFER's NOTIFY carries it. */
export function sipfragStatus(body: string | undefined): number | undefined {
  const m = body === undefined ? null : /^SIP\/2\.0\s+(\d{3})\b/.exec(body.trimStart());
  return m ? Number(m[1]) : undefined;
}
