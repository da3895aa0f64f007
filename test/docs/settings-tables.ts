/**
 * The settings tables of the README and docs/api.md, rendered from the settings table in code
 * (src/server/config/settings.ts). settings.test.ts holds each generated region of the docs equal
 * to its rendering; with UPDATE_DOCS=1 it rewrites the regions instead.
 */
import { DEFAULTS } from '../../src/server/config/options.js';
import { defaultOf, isFileKey, SETTINGS, type Setting } from '../../src/server/config/settings.js';

/** A Markdown table cell: pipes escaped so a type or a list of levels cannot split the row. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function code(text: string): string {
  return text.includes('`') ? text : `\`${text}\``;
}

function row(cells: string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

function flags(setting: Setting): string | undefined {
  if (setting.flag === undefined) return undefined;
  return [setting.short, setting.flag].filter((flag) => flag !== undefined).map(code).join(', ');
}

function envNames(setting: Setting): string | undefined {
  return setting.env?.map((variable) => code(variable.name)).join(', ');
}

/**
 * The default with its value in code style (`` `65536` (64 KiB) ``, `` `[]` (any) ``) when it is a
 * value of DEFAULTS or a path; prose (`none`, `one process`) as it is.
 */
function defaultCell(setting: Setting): string {
  const text = defaultOf(setting);
  const isValue = (setting.key !== undefined && (DEFAULTS as Record<string, unknown>)[setting.key] !== undefined) || text.startsWith('./');
  const value = isValue ? /^(\S+)( .*)?$/.exec(text) : null;
  return value === null ? text : `${code(value[1]!)}${value[2] ?? ''}`;
}

/** README "Configuration": every setting an operator sets (a flag, a variable, or marked `readme`). */
export function readmeTable(): string {
  const lines = [row(['Flag', 'Env', 'Config key', 'Default', 'Meaning']), '| --- | --- | --- | --- | --- |'];
  for (const setting of SETTINGS) {
    if (setting.flag === undefined && setting.env === undefined && setting.readme !== true) continue;
    if (setting.codeOnly === true) continue;
    lines.push(row([flags(setting) ?? '', envNames(setting) ?? '', isFileKey(setting) ? code(setting.key!) : '', defaultCell(setting), setting.summary]));
  }
  return lines.join('\n');
}

/** docs/api.md §1.2: every ServerOptions field, then the hooks. */
export function optionsTable(): string {
  const lines = [row(['Option', 'Type', 'Default', 'Env', 'CLI flag', 'Meaning']), '| --- | --- | --- | --- | --- | --- |'];
  for (const setting of SETTINGS) {
    if (setting.key === undefined || setting.type === undefined) continue;
    const flag = flags(setting) ?? (setting.codeOnly === true ? '—' : 'config file');
    lines.push(row([code(setting.key), code(setting.type), defaultCell(setting), envNames(setting) ?? '—', flag, setting.detail ?? setting.summary]));
  }
  lines.push(row(['hooks', 'see §1.3', 'none', '—', '—', '`authenticate`, `onOpen`, `onMessage`, `rpc`, `onClose`, `onError`']));
  return lines.join('\n');
}

/** docs/api.md §4.1: every environment variable and what it sets. */
export function environmentTable(): string {
  const lines = [row(['Variable', 'Sets', 'Format and effect']), '| --- | --- | --- |'];
  for (const setting of SETTINGS) {
    for (const variable of setting.env ?? []) {
      const sets = variable.sets ?? setting.key;
      lines.push(row([code(variable.name), sets === undefined ? '—' : code(sets), variable.note ?? setting.detail ?? setting.summary]));
    }
  }
  return lines.join('\n');
}

/** Every generated region, by the name its markers carry. */
export const TABLES: Readonly<Record<string, () => string>> = {
  'readme-table': readmeTable,
  'options-table': optionsTable,
  'environment-table': environmentTable,
};
