/** TLS configuration for tests: the CA of `caDir` (tandem certs ca) and `<certDir>/<name>.crt|key`. */
import { join } from 'node:path';
import { type TlsConfig, tlsSchema } from '../../kernel/tls/config.js';

export function testTls(caDir: string, certDir: string, name: string): TlsConfig {
  return tlsSchema.parse({
    enabled: true,
    caFile: join(caDir, 'ca.crt'),
    certFile: join(certDir, `${name}.crt`),
    keyFile: join(certDir, `${name}.key`),
    reloadIntervalMs: 1000,
  });
}
