import { readConfigFile } from '../../kernel/config/parse.js';
import { type NodeConfig, parseNodeConfig } from './schema.js';

export const loadNodeConfig = (path: string): NodeConfig => parseNodeConfig(readConfigFile(path));
