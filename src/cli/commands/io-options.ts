import { EMPTY_IO_CONFIG, parseIoConfig, type IoConfig } from '../../options/io-config.js';

export interface ModelOptions {
  framework?: string;
  ioConfig?: string;
}

export function ioConfigOf(opts: ModelOptions): IoConfig {
  return opts.ioConfig ? parseIoConfig(opts.ioConfig) : EMPTY_IO_CONFIG;
}

export const IO_CONFIG_HELP =
  'static input shapes: JSON or a file, e.g. \'{"inputs": {"x": [[1,3,224,224], "float32"]}, "dims": {"batch": 1}}\'';
