import type { Entitlements } from './lifecycle-rules.ts';

type Entry = { value: Entitlements & { accountId: string }; clockId: string | null };

/**
 * Entitlements are read on every request of the operator's product, so each process keeps them in memory.
 * An entry is dropped when its account changes (a NOTIFY from whichever process made the change, delivered
 * on commit) and is not used once its clock reaches the entry's `validUntil` (the next time-driven change,
 * e.g. the end of a trial), so the cache never answers with what was true before a change.
 */
export function makeEntitlementsCache(deps: {
  load: (
    accountId: string,
  ) => Promise<{ value: Entitlements & { accountId: string }; clockId: string | null }>;
  timeOf: (clockId: string | null) => Promise<Date> | Date;
  maxEntries?: number;
}) {
  const entries = new Map<string, Entry>();
  const maxEntries = deps.maxEntries ?? 100_000;

  async function get(accountId: string): Promise<Entitlements & { accountId: string }> {
    const hit = entries.get(accountId);
    if (hit) {
      const until = hit.value.validUntil;
      if (!until) return hit.value;
      const now = await deps.timeOf(hit.clockId);
      if (now.getTime() < until.getTime()) return hit.value;
      entries.delete(accountId);
    }
    const loaded = await deps.load(accountId);
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
    entries.set(accountId, loaded);
    return loaded.value;
  }

  function invalidate(accountIds: readonly string[]): void {
    for (const id of accountIds) entries.delete(id);
  }

  function clear(): void {
    entries.clear();
  }

  return { get, invalidate, clear, size: () => entries.size };
}
