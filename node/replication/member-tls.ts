/**
 * The Galera member's copy of the node's TLS files (galera.tls). mariadbd and its SST scripts run
 * as the member's OS user, which must not read the node's own key where it lies (0600, the node's
 * user); the node gives the member a copy in `<galera.dataDir>/tls`, owned by that user, the key
 * 0600, written again at every start of the node (a rotated certificate is taken at the restart).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TlsConfig } from '../../kernel/tls/config.js';
import type { GaleraTlsFiles } from './galera-config.js';

/** Where the copies lie in `dir`. Pure. */
export function memberTlsFiles(dir: string): GaleraTlsFiles {
  return { caFile: join(dir, 'ca.crt'), certFile: join(dir, 'member.crt'), keyFile: join(dir, 'member.key') };
}

export function installMemberTls(source: TlsConfig, dir: string, osUser: string): GaleraTlsFiles {
  const files = memberTlsFiles(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  copyFileSync(source.caFile, files.caFile);
  copyFileSync(source.certFile, files.certFile);
  copyFileSync(source.keyFile, files.keyFile);
  chmodSync(dir, 0o700);
  chmodSync(files.keyFile, 0o600);
  try {
    execFileSync('chown', ['-R', `${osUser}:${osUser}`, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const why = (err as { stderr?: Buffer }).stderr?.toString().trim() || String(err);
    throw new Error(
      `galera.tls: cannot give ${dir} to galera.osUser ${osUser} (${why}); run the node as root or as ${osUser}`,
    );
  }
  return files;
}
