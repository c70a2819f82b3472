import { readFileSync } from 'node:fs';
import { readConfigFile } from '../../kernel/config/parse.js';
import { resolveSecretSources } from '../../kernel/config/secret-sources.js';
import { applyProfile } from './profile.js';
import { type NodeConfig, nodeConfigSchema, parseNodeConfig } from './schema.js';

/**
 * Reads, lays the deployment profile under it (profile.ts), resolves `…File` / `…Env` secrets
 * (kernel/config/secret-sources.ts) and validates.
 */
export const loadNodeConfig = (path: string): NodeConfig =>
  parseNodeConfig(
    resolveSecretSources(nodeConfigSchema, applyProfile(readConfigFile(path), readConfigFile), {
      readFile: (f) => readFileSync(f, 'utf8'),
      env: process.env,
    }),
  );
