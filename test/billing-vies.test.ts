import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { invoiceDocumentFromJson } from '../src/modules/billing/index.ts';
import { aCompany, aNip, aTestClock, events, registered } from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import { pdfText } from './helpers/pdf-text.ts';
import { startTestViesServer, type TestViesServer } from './helpers/vies-server.ts';

// QU-BIL-08 (A7): an EU business abroad is spared the VAT only with a VIES-valid VAT id. The VAT id is checked
// with VIES at registration and when it changes; an outage does not block the registration but leaves the
// id unverified.

const ORLEN = aNip('774000145');
const INNA = aNip('521301722');
const NOWA = aNip('951234567');

let vies: TestViesServer;
before(async () => {
  vies = await startTestViesServer(() => new Date('2026-04-01T08:15:02.123Z'));
});
after(() => vies.close());

async function aQuandaApp(t: TestContext): Promise<TestApp> {
  const app = await buildTestApp({ preset: 'quanda', vies: { baseUrl: vies.baseUrl, timeoutMs: 2000 } });
  t.after(() => app.close());
  return app;
}

/** A Polish company ordering 1,000 CZK a month (Professional 500) for April 2026 from Quanda (CZ). */
async function aPolishCompanyOrder(app: TestApp, nip: string, email: string) {
  const clock = await aTestClock(app, '2026-04-01T10:00:00+02:00');
  const { accountId } = await registered(app, clock, {
    email,
    company: aCompany('Kwiaciarnia Róża sp. z o.o.', nip),
  });
  const res = await app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/subscriptions`,
    headers: app.operator,
    payload: {
      plan: 'professional_500',
      frequency: 'monthly',
      identification: { orderingPerson: 'Anna Nowak' },
    },
  });
  assert.equal(res.statusCode, 201, res.body);
  return { accountId, invoice: res.json().invoice };
}

async function checksOf(app: TestApp, accountId: string) {
  const res = await app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/vat-id-checks`,
    headers: app.operator,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().checks as { vatId: string; status: string; checkedAt: string; error: string | null }[];
}

describe('VIES at registration', () => {
  it('QU-BIL-08: a Polish company with a VIES-valid VAT id pays net 1,000 CZK with a reverse-charge note; the answer is stored with its time and reported in the event', async (t) => {
    const app = await aQuandaApp(t);
    vies.answers.set('PL5260250274', { valid: true, name: 'KWIACIARNIA RÓŻA SP. Z O.O.' });
    const { accountId, invoice } = await aPolishCompanyOrder(app, '5260250274', 'anna@roza.example');
    assert.ok(vies.requests.some((r) => r.countryCode === 'PL' && r.vatNumber === '5260250274'));
    assert.deepEqual(
      (await checksOf(app, accountId)).map((c) => [c.vatId, c.status, c.checkedAt]),
      [['PL5260250274', 'valid', '2026-04-01T08:15:02.123Z']],
    );
    const checked = (await events(app, accountId)).filter((e) => e.type === 'vat_id.checked');
    assert.equal(checked.length, 1);
    assert.equal(checked[0]!.clause, 'QU-BIL-08');
    assert.deepEqual([checked[0]!.data.country, checked[0]!.data.status], ['PL', 'valid']);
    assert.ok(!JSON.stringify(checked[0]!.data).includes('5260250274'), 'the id itself stays out of the log');

    assert.deepEqual(
      [invoice.net, invoice.vat, invoice.gross, invoice.currency],
      ['1000.00', '0.00', '1000.00', 'CZK'],
    );
    const detail = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/invoices/${invoice.id}`,
      headers: app.operator,
    });
    const doc = invoiceDocumentFromJson(detail.json().document);
    assert.deepEqual(doc.vatSummary[0]!.vat, { kind: 'reverse_charge_eu' });
    assert.deepEqual(doc.notes, ['odwrotne obciążenie']);
    const pdf = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/invoices/${invoice.id}/pdf`,
      headers: app.operator,
    });
    const { text } = await pdfText(pdf.rawPayload);
    const flat = text.replaceAll('\n', ' ');
    assert.ok(flat.includes('np. (odwrotne obciążenie) 1 000,00 CZK 0,00 CZK 1 000,00 CZK'), text);
    assert.ok(flat.includes('Uwagi: odwrotne obciążenie'), text);
  });

  it('QU-BIL-08: a VIES outage (MS_UNAVAILABLE) does not block the registration; the id stays unverified, so the Polish company pays Polish VAT through OSS (1,000 + 23% = 1,230 CZK) until a later check says valid', async (t) => {
    const app = await aQuandaApp(t);
    vies.answers.set(`PL${ORLEN}`, { error: 'MS_UNAVAILABLE' });
    const { accountId, invoice } = await aPolishCompanyOrder(app, ORLEN, 'jan@orlen.example');
    const [check] = await checksOf(app, accountId);
    assert.deepEqual([check!.status, check!.error], ['unavailable', 'MS_UNAVAILABLE']);
    assert.deepEqual([invoice.net, invoice.vat, invoice.gross], ['1000.00', '230.00', '1230.00']);

    // VIES is back: the operator asks again, and the next invoice is a reverse charge.
    vies.answers.set(`PL${ORLEN}`, { valid: true });
    const again = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/vat-id-checks`,
      headers: app.operator,
    });
    assert.equal(again.statusCode, 201, again.body);
    assert.equal(again.json().status, 'valid');
    const statuses = (await events(app, accountId))
      .filter((e) => e.type === 'vat_id.checked')
      .map((e) => e.data.status);
    assert.deepEqual(statuses, ['unavailable', 'valid']);
  });

  it('QU-BIL-08: a VAT id VIES says is not registered is treated as a consumer’s: OSS at the buyer’s rate', async (t) => {
    const app = await aQuandaApp(t);
    vies.answers.set(`PL${INNA}`, { valid: false });
    const { accountId, invoice } = await aPolishCompanyOrder(app, INNA, 'ewa@inna.example');
    assert.equal((await checksOf(app, accountId))[0]!.status, 'invalid');
    assert.deepEqual([invoice.vat, invoice.gross], ['230.00', '1230.00']);
  });

  it('a changed country or VAT id is checked again at the profile change', async (t) => {
    const app = await aQuandaApp(t);
    vies.answers.set(`PL${NOWA}`, { valid: true });
    const clock = await aTestClock(app, '2026-04-01T10:00:00+02:00');
    const { accountId } = await registered(app, clock, {
      email: 'ola@nowa.example',
      company: { ...aCompany('Nowa sp. z o.o.', NOWA), taxId: undefined },
    });
    assert.deepEqual(await checksOf(app, accountId), [], 'no VAT id, nothing to check');
    const res = await app.http.inject({
      method: 'PATCH',
      url: `/v1/accounts/${accountId}`,
      headers: app.operator,
      payload: { taxId: NOWA },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(
      (await checksOf(app, accountId)).map((c) => [c.vatId, c.status]),
      [[`PL${NOWA}`, 'valid']],
    );
  });
});
