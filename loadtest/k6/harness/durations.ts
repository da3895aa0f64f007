/** k6 duration strings (`1m30s`, `500ms`, `10s`) to milliseconds. */
export function parseDuration(value: string | number | undefined, fallbackMs = 0): number {
  if (value === undefined) return fallbackMs;
  if (typeof value === 'number') return value * 1000;
  const text = value.trim();
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`bad k6 duration ${JSON.stringify(value)}`);
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return parts.reduce((sum, part) => sum + Number(part[1]) * unit[part[2]!]!, 0);
}
