/**
 * The command's flags, parsed by the rules of the settings table: `--port 9002` becomes
 * `{ port: 9002 }`, `--redis <url>` becomes `{ redis: { url } }`. `--config` and `--workers` are
 * settings of the command, not of one server, and come back beside the options.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseIntOption, splitList } from './env.js';
import type { ServerOptions } from './options.js';
import { SETTINGS, type FlagParse } from './settings.js';

/** What the flags say. */
export interface CommandArgs {
  /** Server options set by flags. */
  options: Partial<ServerOptions>;
  /** `--config <file>`. */
  config: string | undefined;
  /** `--workers <n|auto>`, unparsed (cluster/workers-option.ts parses it). */
  workers: string | undefined;
}

function parseConfig(): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const setting of SETTINGS) {
    if (setting.flag === undefined) continue;
    const name = setting.flag.slice(2);
    options[name] = { type: setting.parse === 'boolean' ? 'boolean' : 'string', ...(setting.short === undefined ? {} : { short: setting.short.slice(1) }) };
  }
  return options;
}

function convert(parse: FlagParse, flag: string, value: string | boolean): unknown {
  switch (parse) {
    case 'int':
      return parseIntOption(flag, value as string);
    case 'list':
      return splitList(value as string);
    case 'boolean':
      // A boolean flag can only switch its option on; the default is off.
      return value === true ? true : undefined;
    case 'redis-url':
      return { url: value as string };
    case 'string':
      return value;
  }
}

/**
 * Parses the command line.
 * @returns 'help' for `-h`/`--help`.
 * @throws TypeError (node:util) for an unknown flag or a missing value, OptionsError for a bad number.
 */
export function parseFlags(argv: string[]): CommandArgs | 'help' {
  const { values } = parseArgs({ args: argv, options: parseConfig(), strict: true });
  if (values.help === true) return 'help';
  const options: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    if (setting.flag === undefined || setting.parse === undefined || setting.key === undefined) continue;
    const value = values[setting.flag.slice(2)];
    if (value === undefined) continue;
    const converted = convert(setting.parse, setting.flag, value as string | boolean);
    if (converted !== undefined) options[setting.key] = converted;
  }
  return { options: options as Partial<ServerOptions>, config: values.config as string | undefined, workers: values.workers as string | undefined };
}
