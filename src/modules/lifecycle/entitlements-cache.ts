import type { Entitlements } from './lifecycle-rules.ts';

type Value = Entitlements & { accountId: string };
type Entry = { value: Value; clockId: string | null };

/**
 * Entitlements are read on every request of the operator's product, so each process keeps them in memory.
 * An entry is dropped when its account changes (a NOTIFY from whichever process made the change, delivered
 * on commit) and is not used once its clock reaches the entry's `validUntil` (the next time-driven change,
 * e.g. the end of a trial), so the cache never answers with what was true before a change.
 */
export function makeEntitlementsCache(deps: {
  load: (accountId: string) => Promise<Entry>;
  /** The time of the account's clock; answering the real clock without a promise saves a hop per hit. */
  timeOf: (clockId: string | null) => Promise<Date> | Date;
  maxEntries?: number;
}) {
  const entries = new Map<string, Entry>();
  const maxEntries = deps.maxEntries ?? 100_000;

  /**
   * The account's entitlements. A fresh entry is answered at once, without a promise (the operator's product
   * asks on every request); a missing or expired one is loaded.
   */
  function get(accountId: string): Value | Promise<Value> {
    const hit = entries.get(accountId);
    if (!hit) return load(accountId);
    const until = hit.value.validUntil;
    if (!until) return hit.value;
    const time = deps.timeOf(hit.clockId);
    if (time instanceof Date) return time.getTime() < until.getTime() ? hit.value : reload(accountId);
    return time.then((now) => (now.getTime() < until.getTime() ? hit.value : reload(accountId)));
  }

  function reload(accountId: string): Promise<Value> {
    entries.delete(accountId);
    return load(accountId);
  }

  async function load(accountId: string): Promise<Value> {
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
