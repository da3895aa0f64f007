/**
 * Finds the code blocks of the Markdown docs that are meant to run, with the directive that says
 * how (or why not). A directive is an HTML comment on the last non-blank line before the fence,
 * invisible on GitHub but visible in the source, so every exception is written next to the block:
 *
 *   <!-- snippet: skip (why it cannot run) -->        not run; reported as a skipped test with the reason
 *   <!-- snippet: compile-only (why it is not run) --> TypeScript: type-checked, not executed
 *   <!-- snippet: server <switchboard flags> -->     run against `switchboard <flags>` instead of a bare one
 *   <!-- snippet: config -->                          JSON: must also load as a switchboard.config.json
 *   <!-- snippet: output-of <command> -->             a plain block that must equal what <command> prints
 */

/** Fence languages that are run, by how they are run. Other fences (nginx, html, plain) are prose. */
export const RUNNABLE = {
  ts: 'ts',
  typescript: 'ts',
  js: 'ts',
  javascript: 'ts',
  sh: 'sh',
  bash: 'sh',
  shell: 'sh',
  php: 'php',
  json: 'json',
} as const;

export type SnippetKind = (typeof RUNNABLE)[keyof typeof RUNNABLE] | 'output';

export type Directive =
  | { kind: 'none' }
  | { kind: 'skip'; reason: string }
  | { kind: 'compile-only'; reason: string }
  | { kind: 'server'; flags: string[] }
  | { kind: 'config' }
  | { kind: 'output-of'; command: string };

export interface Snippet {
  /** Repository-relative path of the Markdown file. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  kind: SnippetKind;
  /** The fence's language as written. */
  lang: string;
  /** The `##` heading the block is under ('' before the first). */
  section: string;
  directive: Directive;
  code: string;
}

const DIRECTIVE = /^<!--\s*snippet:\s*(.*?)\s*-->$/;

/** Parses the text of a directive comment; throws with the file and line when it is malformed. */
export function parseDirective(text: string, where: string): Directive {
  const [word = '', ...rest] = text.split(/\s+/);
  const tail = rest.join(' ');
  const reason = /^\((.+)\)$/.exec(tail)?.[1];
  switch (word) {
    case 'skip':
    case 'compile-only':
      if (reason === undefined) throw new Error(`${where}: "${word}" needs a reason in parentheses`);
      return { kind: word, reason };
    case 'server':
      return { kind: 'server', flags: rest };
    case 'config':
      return { kind: 'config' };
    case 'output-of':
      if (tail === '') throw new Error(`${where}: "output-of" needs a command`);
      return { kind: 'output-of', command: tail };
    default:
      throw new Error(`${where}: unknown snippet directive "${text}"`);
  }
}

/** Every runnable block of one Markdown file, in order. */
export function extractSnippets(file: string, markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const snippets: Snippet[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('## ')) section = line.slice(3).trim();
    const open = /^```(\S*)\s*$/.exec(line);
    if (open === null) continue;
    const lang = open[1]!;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    const code = lines.slice(i + 1, end).join('\n');

    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const comment = before >= 0 ? DIRECTIVE.exec(lines[before]!.trim()) : null;
    const directive = comment === null ? ({ kind: 'none' } as const) : parseDirective(comment[1]!, `${file}:${before + 1}`);

    const kind: SnippetKind | undefined = directive.kind === 'output-of' ? 'output' : RUNNABLE[lang as keyof typeof RUNNABLE];
    if (kind !== undefined) snippets.push({ file, line: i + 1, kind, lang, section, directive, code });
    i = end;
  }
  return snippets;
}
