/**
 * The `tls` section of the node's and the LAM's configuration: mutual TLS on the DTP and, for a
 * node, on the peer link. One CA bundle (several CAs during a rotation), this process's certificate
 * and key; files are re-read every `reloadIntervalMs`, so new certificates need no restart. Pure.
 */
import { z } from 'zod';
import { ABSOLUTE_PATH, bool, int, orEmpty, str } from '../config/fields.js';

const FILE = orEmpty(ABSOLUTE_PATH, 'an absolute path to a PEM file');

export const tlsSchema = z
  .strictObject({
    enabled: bool(false),
    /** PEM bundle of the CAs whose certificates are trusted (LAMs, the peer, the CAM). */
    caFile: str({ min: 0, max: 500, default: '', rule: FILE }),
    /** This process's certificate (PEM) with its identity tandem://cam/<id> or tandem://lam/<id>. */
    certFile: str({ min: 0, max: 500, default: '', rule: FILE }),
    keyFile: str({ min: 0, max: 500, default: '', rule: FILE }),
    reloadIntervalMs: int({ min: 1000, max: 3_600_000, default: 10_000, unit: 'ms' }),
  })
  .superRefine((c, ctx) => {
    if (!c.enabled) return;
    for (const field of ['caFile', 'certFile', 'keyFile'] as const)
      if (c[field] === '')
        ctx.addIssue({ code: 'custom', path: [field], message: 'is required when tls.enabled is true' });
  });
export type TlsConfig = z.output<typeof tlsSchema>;
