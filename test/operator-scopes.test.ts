import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scopeOfRoute } from '../src/platform/http/operator-scopes.ts';
import type { TestApp } from './helpers/app.ts';
import { aCustomer, uploadCsv } from './helpers/entrusted.ts';

// Operator API keys act only within their scopes, and no key reads a customer's entrusted data outside a
// support request the customer filed (BK annex 1 ust. 3–4): the staff-access gate applies to keys too.

async function aKey(app: TestApp, scopes: string[], headers = app.operator) {
  return app.http.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers,
    payload: { name: `key ${scopes.join(' ')}`, scopes },
  });
}

function get(app: TestApp, url: string, key: string) {
  return app.http.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
}

describe('operator API key scopes', () => {
  it('a key acts only within its scopes; a missing scope is 403 auth.scope_missing naming it', async (t) => {
    const { app, accountId } = await aCustomer(t, 'quanda');
    const admin = (await app.accounts.createApiKey({ name: 'root', scopes: ['admin'] })).key;
    const adminHeaders = { authorization: `Bearer ${admin}` };

    // Only an admin key makes keys; the product's default key (every scope but admin) cannot.
    const byProduct = await aKey(app, ['billing']);
    assert.equal(byProduct.statusCode, 403, byProduct.body);
    assert.deepEqual(
      [byProduct.json().code, byProduct.json().details.scope],
      ['auth.scope_missing', 'admin'],
    );
    const unknown = await aKey(app, ['billing', 'everything'], adminHeaders);
    assert.equal(unknown.statusCode, 400, unknown.body);
    const created = await aKey(app, ['billing'], adminHeaders);
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual(created.json().scopes, ['billing']);
    const billingKey = created.json().key as string;

    assert.equal((await get(app, `/v1/accounts/${accountId}/billing`, billingKey)).statusCode, 200);
    for (const [url, scope] of [
      ['/v1/outbox', 'platform'],
      [`/v1/accounts/${accountId}/entitlements`, 'lifecycle'],
      ['/v1/privacy/requests', 'privacy'],
      [`/v1/accounts/${accountId}`, 'accounts'],
      ['/v1/staff', 'entrusted:staff'],
    ] as const) {
      const res = await get(app, url, billingKey);
      assert.equal(res.statusCode, 403, `${url}: ${res.body}`);
      assert.equal(res.json().code, 'auth.scope_missing');
      assert.equal(res.json().details.scope, scope, url);
      assert.match(res.json().message, new RegExp(scope));
    }
    // Public routes stay public with any key.
    assert.equal((await get(app, '/v1/policy', billingKey)).statusCode, 200);

    // A revoked key is refused outright.
    const revoke = await app.http.inject({
      method: 'DELETE',
      url: `/v1/api-keys/${created.json().id}`,
      headers: adminHeaders,
    });
    assert.equal(revoke.statusCode, 204);
    assert.equal((await get(app, `/v1/accounts/${accountId}/billing`, billingKey)).statusCode, 401);
  });

  it('no key reads entrusted data directly, not even admin; staff read it only within an open support request, logged', async (t) => {
    const x = await aCustomer(t, 'bookero', { frozenTime: '2026-04-09T09:00:00+02:00' });
    const { app, accountId, owner } = x;
    assert.equal(
      (await uploadCsv(app, accountId, owner.writes, 'email,first_name,last_name\nk1@x.pl,Kasia,Jeden'))
        .statusCode,
      201,
    );
    const admin = (await app.accounts.createApiKey({ name: 'root', scopes: ['admin'] })).key;
    const writer = (await app.accounts.createApiKey({ name: 'product', scopes: ['entrusted:write'] })).key;

    for (const url of [
      `/v1/accounts/${accountId}/entrusted/contacts`,
      `/v1/accounts/${accountId}/entrusted/export?format=csv`,
      `/v1/accounts/${accountId}/entrusted/requests`,
      `/v1/accounts/${accountId}/export`,
    ]) {
      for (const key of [admin, writer]) {
        const res = await get(app, url, key);
        assert.equal(res.statusCode, 403, `${url}: ${res.body}`);
        assert.equal(res.json().code, 'auth.entrusted_read_refused');
        assert.doesNotMatch(res.body, /k1@x\.pl/);
      }
    }
    // The customer reads its own data.
    const own = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/entrusted/contacts`,
      headers: owner.reads,
    });
    assert.equal(own.statusCode, 200);
    const contactId = own.json().contacts[0].id as string;

    // The product records activity with entrusted:write (a write, no read).
    const activity = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/entrusted/contacts/${contactId}/activity`,
      headers: { authorization: `Bearer ${writer}` },
      payload: { activity: [{ kind: 'booking', ref: 'b1', occurredAt: '2026-04-09T09:00:00+02:00' }] },
    });
    assert.equal(activity.statusCode, 201, activity.body);

    // An admin key cannot open a support request for itself.
    const selfGranted = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/support-requests`,
      headers: { authorization: `Bearer ${admin}` },
      payload: { subject: 'let me in' },
    });
    assert.equal(selfGranted.statusCode, 403);
    assert.equal(selfGranted.json().code, 'auth.entrusted_read_refused');

    const staff = await app.http.inject({
      method: 'POST',
      url: '/v1/staff',
      headers: { authorization: `Bearer ${admin}` },
      payload: {
        name: 'Agent A',
        authorisedAt: '2026-03-01T09:00:00+01:00',
        trainedAt: '2026-03-02T09:00:00+01:00',
        confidentialityUndertakenAt: '2026-03-01T09:00:00+01:00',
      },
    });
    assert.equal(staff.statusCode, 201, staff.body);
    const staffId = staff.json().id as string;

    // A support request of the customer, closed: the admin key's staff read is refused by the gate.
    const filed = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/support-requests`,
      headers: owner.writes,
      payload: { subject: 'Rezerwacje nie zapisują się' },
    });
    assert.equal(filed.statusCode, 201, filed.body);
    const ticket = filed.json().id as string;
    const staffUrl = `/v1/support-requests/${ticket}/contacts?staffId=${staffId}`;
    const open = await get(app, staffUrl, admin);
    assert.equal(open.statusCode, 200, open.body);
    assert.equal(open.json().contacts[0].email, 'k1@x.pl');
    // Without entrusted:staff a key cannot use the staff route at all.
    const noStaffScope = await get(app, staffUrl, writer);
    assert.equal(noStaffScope.json().code, 'auth.scope_missing');

    const close = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/support-requests/${ticket}/close`,
      headers: owner.writes,
    });
    assert.equal(close.statusCode, 200, close.body);
    const afterClose = await get(app, staffUrl, admin);
    assert.equal(afterClose.statusCode, 403, afterClose.body);
    assert.doesNotMatch(afterClose.body, /k1@x\.pl/);
  });

  it('every operator route belongs to a scope; an unplaced route needs admin', () => {
    assert.equal(scopeOfRoute('GET', '/v1/accounts/:accountId/entrusted/contacts'), 'customer');
    assert.equal(
      scopeOfRoute('POST', '/v1/accounts/:accountId/entrusted/contacts/:contactId/activity'),
      'entrusted:write',
    );
    assert.equal(scopeOfRoute('GET', '/v1/support-requests/:supportRequestId/contacts'), 'entrusted:staff');
    assert.equal(scopeOfRoute('GET', '/v1/accounts/:accountId/invoices/:invoiceId/pdf'), 'billing');
    assert.equal(scopeOfRoute('GET', '/v1/something-new'), 'admin');
  });
});
