const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/**
 * Parses a duration in the notation Authelia uses: `90m`, `1h`, `7d`, `1w`, combinations such
 * as `1h30m`, or a bare number of seconds. Returns milliseconds, or `undefined` when the text
 * is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  const part = /(\d+)\s*(ms|s|m|h|d|w|y)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = part.exec(trimmed)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    matched = part.lastIndex;
    while (trimmed[part.lastIndex] === ' ') part.lastIndex++;
  }
  if (matched === 0 || matched !== trimmed.length || !Number.isSafeInteger(total)) return undefined;
  return total;
}

/** Formats milliseconds back into the shortest human form, for logs and docs. */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
