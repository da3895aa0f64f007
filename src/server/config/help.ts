/**
 * `switchboard --help`, generated from the settings table so that a flag, a variable or a default
 * cannot be added in one place and forgotten in the other.
 */
import { defaultOf, SETTINGS, type Setting } from './settings.js';

const WIDTH = 100;
const INDENT = 31;

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** One setting as help lines: the head (flag, or variables) and its text beside or under it. */
function entry(head: string, texts: readonly string[]): string {
  const body = texts.flatMap((text) => wrap(text, WIDTH - INDENT));
  const pad = ' '.repeat(INDENT);
  const first = head.length < INDENT - 1 ? head.padEnd(INDENT) + (body.shift() ?? '') : head;
  return [first.trimEnd(), ...body.map((line) => pad + line)].join('\n') + '\n';
}

function where(setting: Setting): string {
  const env = setting.env?.map((variable) => variable.name).join(', ');
  return `default ${defaultOf(setting)}${env === undefined ? '' : `; env ${env}`}`;
}

/** The text `switchboard --help` prints. */
export function renderHelp(): string {
  let flags = '';
  let envOnly = '';
  for (const setting of SETTINGS) {
    if (setting.flag !== undefined) {
      const head = `  ${setting.short === undefined ? '    ' : `${setting.short}, `}${setting.flag}${setting.arg === undefined ? '' : ` ${setting.arg}`}`;
      flags += entry(head, [setting.summary, ...(setting.helpLines ?? []), where(setting)]);
    } else if (setting.env !== undefined) {
      const names = setting.env.map((variable) => `  ${variable.name}`);
      const text = [`${setting.key === undefined ? '' : `${setting.key}: `}${setting.summary}`, `default ${defaultOf(setting)}`];
      // Several variables: one per line, the text under them all.
      envOnly += names.length === 1 ? entry(names[0]!, text) : `${names.join('\n')}\n${entry('', text)}`;
    }
  }
  return `Usage: switchboard [options]

Realtime push server: WebSocket pub/sub (msgpack or JSON) plus an HTTP publish API, on uWebSockets.js.

Options (flags override environment variables, which override the config file):
${flags}${entry('  -h, --help', ['show this help'])}
Environment only:
${envOnly}
Every other option (limits, namespaces, jwtAlgorithms, ...) goes in the config file: see docs/api.md.
`;
}
