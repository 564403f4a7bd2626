/** Delay before reconnect attempt n (0-based): min(15 s, 0.5 s · 2^n), with ±25% jitter. */
export function backoff(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(15_000, 500 * 2 ** attempt);
  return Math.round(base * (0.75 + 0.5 * random()));
}

/** Close codes after which reconnecting cannot help (SPEC 6/7: 4400-4499 are final,
 * except 4401 which a fresh token fixes). */
export function isFinal(code: number): boolean {
  return code >= 4400 && code <= 4499 && code !== 4401 && code !== 4429;
}
