/**
 * The one step that touches the file system while options are resolved: `jwtPublicKey` may be PEM
 * text or the path of a PEM file, and the server only ever wants the text.
 */
import { readFileSync } from 'node:fs';
import { OptionsError } from '../../protocol/errors.js';

/**
 * The PEM text for a `jwtPublicKey` setting: the value itself when it already holds PEM text, else
 * the contents of the file it names.
 * @throws OptionsError naming `jwtPublicKey` when the file cannot be read.
 */
export function readPublicKey(setting: string): string {
  if (setting.includes('-----BEGIN')) return setting;
  try {
    return readFileSync(setting, 'utf8');
  } catch (err) {
    throw new OptionsError('jwtPublicKey', `is neither PEM text nor a readable PEM file (${(err as Error).message})`);
  }
}
