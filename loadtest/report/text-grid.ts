/** A plain-text table: first (and `textColumns`) left-aligned, numbers right-aligned, a rule under the header. */
export function textGrid(header: readonly string[], lines: ReadonlyArray<readonly string[]>, textColumns: readonly number[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => (line[i] ?? '').length)));
  const format = (cells: readonly string[]) => cells.map((cell, i) => (i === 0 || textColumns.includes(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n') + '\n';
}
