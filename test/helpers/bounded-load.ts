/**
 * A bounded burst of requests, shared by the password-guessing test and bench: `count` calls of
 * `send`, at most `inFlight` at a time, stopping early once `budgetMs` has passed. A rejected
 * `send` rejects the whole run (the bench turns failures into answers before they get here).
 */
export async function boundedLoad<T>(
  count: number,
  inFlight: number,
  budgetMs: number,
  send: (i: number) => Promise<T>,
): Promise<T[]> {
  const out: T[] = [];
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count && performance.now() - started < budgetMs) out.push(await send(next++));
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return out;
}

/** The p-th percentile (nearest rank) of ascending `sorted`; NaN when it is empty. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
