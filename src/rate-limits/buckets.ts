import { parseDuration } from '../common/duration.js';

/** At most `requests` within each aligned window of `periodMs` (Authelia's rate-limit bucket). */
export interface Bucket {
  requests: number;
  periodMs: number;
}

/**
 * Reads `600/1m` or `600/1m, 10000/1h` (each bucket applies; empty or `0`: no limit). Undefined
 * when malformed.
 */
export function parseBuckets(text: string): Bucket[] | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === '0') return [];
  const buckets: Bucket[] = [];
  for (const part of trimmed.split(',')) {
    const match = /^\s*(\d{1,9})\s*\/\s*(\S+)\s*$/.exec(part);
    if (!match) return undefined;
    const requests = Number(match[1]);
    const periodMs = parseDuration(match[2]);
    if (requests < 1 || periodMs === undefined || periodMs < 1_000) return undefined;
    buckets.push({ requests, periodMs });
  }
  return buckets;
}
