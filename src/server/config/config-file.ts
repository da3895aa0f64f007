/**
 * `switchboard.config.json`: any serialisable ServerOptions (namespaces and limits included) in one
 * JSON file. Unknown keys are refused so a typo cannot silently leave a limit at its default;
 * values are validated by resolveOptions like every other source.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { OptionsError } from '../../protocol/errors.js';
import { DEFAULTS, type ServerOptions } from './options.js';
import { SETTINGS } from './settings.js';

/** The file the CLI reads when no `--config` is given, if it exists in the working directory. */
export const DEFAULT_CONFIG_FILE = 'switchboard.config.json';

// Options that only make sense in code (objects and functions) cannot come from JSON.
const CODE_ONLY_KEYS = new Set(SETTINGS.filter((setting) => setting.codeOnly === true).map((setting) => setting.key));
// Settings of the `switchboard` command rather than of one server (see cluster/workers-option.ts).
const CLI_KEYS = ['workers'];
const CONFIG_KEYS = new Set([...Object.keys(DEFAULTS).filter((key) => !CODE_ONLY_KEYS.has(key)), ...CLI_KEYS]);

/**
 * Reads options from a JSON config file. A relative `jwtPublicKey` path is taken relative to the file.
 * @throws OptionsError naming `config` (unreadable file, bad JSON, not an object) or the unknown key.
 */
export function loadConfigFile(path: string): Partial<ServerOptions> & { workers?: unknown } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new OptionsError('config', `cannot read ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new OptionsError('config', `${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OptionsError('config', `${path} must hold a JSON object of options`);
  const options = value as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!CONFIG_KEYS.has(key)) {
      const why = CODE_ONLY_KEYS.has(key) ? 'can only be set in code' : `is not an option (known: ${[...CONFIG_KEYS].join(', ')})`;
      throw new OptionsError(key, `${why} (in ${path})`);
    }
  }
  const publicKey = options.jwtPublicKey;
  if (typeof publicKey === 'string' && !publicKey.includes('-----BEGIN') && !isAbsolute(publicKey)) {
    options.jwtPublicKey = resolve(dirname(path), publicKey);
  }
  return options as Partial<ServerOptions>;
}

/** The config file to use: the given path, else ./switchboard.config.json when present, else none. */
export function findConfigFile(explicit: string | undefined, cwd = process.cwd()): string | undefined {
  if (explicit !== undefined) return explicit;
  const fallback = resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(fallback) ? fallback : undefined;
}
