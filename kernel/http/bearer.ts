/** Bearer tokens on HTTP (RFC 6750), shared by the node's admin API and the LAM's local API. Pure. */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The token of an `Authorization: Bearer …` header, or undefined when there is none or it is malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer ([!-~]{16,512})$/.exec(header ?? '')?.[1];
}

export const sha256Hex = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Compares a presented token with the expected one in time independent of where they differ. */
export function sameToken(presented: string, expected: string): boolean {
  return timingSafeEqual(
    createHash('sha256').update(presented, 'utf8').digest(),
    createHash('sha256').update(expected, 'utf8').digest(),
  );
}
