import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import {
  ConfigError,
  type LamConfig,
  type LamConfigFile,
  type NodeConfig,
  parseLamConfig,
  parseLamConfigFile,
  parseNodeConfig,
} from './schema.js';

/** Reads a YAML (or JSON) file; a syntax error names the file, line and column. */
export function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${path}: cannot be read (${(err as Error).message})`]);
  }
  try {
    return parseYaml(text, { prettyErrors: true }) ?? {};
  } catch (err) {
    throw new ConfigError([`${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
}

export const loadNodeConfig = (path: string): NodeConfig => parseNodeConfig(readConfigFile(path));
export const loadLamConfig = (path: string): LamConfig => parseLamConfig(readConfigFile(path));
export const loadLamConfigFile = (path: string): LamConfigFile => parseLamConfigFile(readConfigFile(path));
