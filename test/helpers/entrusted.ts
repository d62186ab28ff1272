import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { activate, anApp, aTestClock, logIn, registered, type Session } from './accounts.ts';
import type { TestApp } from './app.ts';

/** A customer with its owner logged in, on a test clock, in its own app. */
export async function aCustomer(
  t: TestContext,
  preset: string,
  options: { frozenTime?: string; email?: string; app?: TestApp; clockId?: string } = {},
): Promise<{ app: TestApp; clockId: string; accountId: string; owner: Session }> {
  const app = options.app ?? (await anApp(t, preset));
  const clockId =
    options.clockId ?? (await aTestClock(app, options.frozenTime ?? '2026-04-01T09:00:00+02:00'));
  const email = options.email ?? 'anna@roza.example';
  const reg = await registered(app, clockId, { email });
  if (reg.activationRequired) await activate(app, email);
  const owner = await logIn(app, email);
  return { app, clockId, accountId: reg.accountId, owner };
}

/** POST a CSV file to the account's import. */
export function uploadCsv(
  app: TestApp,
  accountId: string,
  headers: Record<string, string>,
  csv: string,
  mode?: 'partial' | 'all_or_nothing',
) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/entrusted/imports${mode ? `?mode=${mode}` : ''}`,
    headers: { ...headers, 'content-type': 'text/csv; charset=utf-8' },
    payload: csv,
  });
}

export async function exportCsv(
  app: TestApp,
  accountId: string,
  headers: Record<string, string>,
  of = 'contacts',
) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/entrusted/export?format=csv&of=${of}`,
    headers,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.body;
}

export async function searchContacts(
  app: TestApp,
  accountId: string,
  headers: Record<string, string>,
  query: Record<string, string | number> = {},
) {
  const qs = new URLSearchParams(
    Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/entrusted/contacts${qs ? `?${qs}` : ''}`,
    headers,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as { contacts: Record<string, unknown>[]; nextCursor: string | null };
}

/** How many contacts and activity rows the account has, read straight from the store. */
export async function storedCounts(app: TestApp, accountId: string) {
  const s = await app.entrusted.entrustedDataExport(accountId);
  return { contacts: s.contacts, activities: s.activities };
}
