/**
 * Reads samples out of Prometheus text exposition (what /metrics serves), for the few series the
 * dashboard shows. Only lines of the wanted metric names have their labels parsed, so reading the
 * whole text costs a prefix check per line.
 */

/** One sample line: `name{labels} value`. */
export interface Sample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

/** The samples of `names` in exposition `text`, in text order (other series, comments and unparsable lines skipped). */
export function readSamples(text: string, names: ReadonlySet<string>): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const end = nameEnd(line);
    const name = line.slice(0, end);
    if (!names.has(name)) continue;
    const parsed = line[end] === '{' ? readLabels(line, end + 1) : { labels: {}, next: end };
    if (parsed === undefined) continue;
    const value = Number(line.slice(parsed.next).trim().split(' ')[0]);
    if (Number.isFinite(value)) samples.push({ name, labels: parsed.labels, value });
  }
  return samples;
}

function nameEnd(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '{' || c === ' ') return i;
  }
  return line.length;
}

/** Labels from just after `{` to the closing `}`: `key="value"` pairs, values with `\\`, `\"` and `\n` escapes. */
function readLabels(line: string, start: number): { labels: Record<string, string>; next: number } | undefined {
  const labels: Record<string, string> = {};
  let i = start;
  while (i < line.length) {
    if (line[i] === '}') return { labels, next: i + 1 };
    if (line[i] === ',' || line[i] === ' ') {
      i++;
      continue;
    }
    const equals = line.indexOf('="', i);
    if (equals < 0) return undefined;
    const key = line.slice(i, equals);
    let value = '';
    i = equals + 2;
    for (; i < line.length && line[i] !== '"'; i++) {
      if (line[i] === '\\') {
        i++;
        value += line[i] === 'n' ? '\n' : line[i];
      } else {
        value += line[i];
      }
    }
    if (i >= line.length) return undefined;
    labels[key] = value;
    i++;
  }
  return undefined;
}
