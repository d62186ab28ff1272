import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activate, anApp, anIco, aTestClock, logIn, registered } from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';
import { pdfText } from './helpers/pdf-text.ts';

// Invoices as PDF, in the invoice's language, rendered from the frozen document, downloadable from the
// billing tab the day they are issued.

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };

function downloadPdf(
  app: TestApp,
  accountId: string,
  invoiceId: string,
  headers: Record<string, string> = app.operator,
) {
  return app.http.inject({
    method: 'GET',
    url: `/v1/accounts/${accountId}/invoices/${invoiceId}/pdf`,
    headers,
  });
}

async function order(app: TestApp, accountId: string, body: Record<string, unknown>) {
  const res = await app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/subscriptions`,
    headers: app.operator,
    payload: body,
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

const liveByCard = {
  plan: 'live',
  frequency: 'monthly',
  card: GOOD_CARD,
  recurringConsent: true,
  identification: { orderingPerson: 'Anna Nowak' },
};

describe('GET /v1/accounts/:id/invoices/:invoiceId/pdf', () => {
  it('BK-BIL-07, CM-BIL-09: the invoice of a payment on 2026-03-15 is downloadable that day by the owner, in Polish, with number, dates, parties, 119,00 + 23% = 146,37 PLN, paid by card; the same invoice gives the same bytes', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-15T10:00:00+01:00');
    const email = 'anna@roza.example';
    const { accountId } = await registered(app, clock, { email, accountType: 'paid', plan: 'live' });
    await activate(app, email);
    const { invoice } = await order(app, accountId, liveByCard);

    const owner = await logIn(app, email);
    const res = await downloadPdf(app, accountId, invoice.id, owner.reads);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'application/pdf');
    assert.match(String(res.headers['content-disposition']), /TEST-FV-2026-03-0001\.pdf/);
    const { text, info } = await pdfText(res.rawPayload);
    for (const expected of [
      'Faktura VAT nr TEST/FV/2026/03/0001',
      'Data wystawienia: 2026-03-15',
      'Okres rozliczeniowy: 2026-03-15 – 2026-04-14',
      'Sprzedawca',
      'ClickMeeting Sp. z o.o.',
      'NIP: 5842747535',
      'Nabywca',
      'Kwiaciarnia Róża sp. z o.o.',
      'ul. Długa 1',
      'NIP: 5260250274',
      'Live – abonament miesięczny 2026-03-15 – 2026-04-14',
      '23% 119,00 PLN 27,37 PLN 146,37 PLN',
      'Razem 119,00 PLN 27,37 PLN 146,37 PLN',
      'Do zapłaty: 146,37 PLN',
      'Zapłacono: 146,37 PLN dnia 2026-03-15 kartą',
      'Status płatności: zapłacona',
    ])
      assert.ok(text.replaceAll('\n', ' ').includes(expected), `"${expected}" in:\n${text}`);
    assert.equal((info.CreationDate as string).slice(0, 10), 'D:20260315', 'creation date from the document');

    const again = await downloadPdf(app, accountId, invoice.id);
    assert.ok(again.rawPayload.equals(res.rawPayload), 'deterministic: the same bytes');

    // Another customer's user cannot fetch it.
    const other = await registered(app, clock, {
      email: 'jan@inny.example',
      accountType: 'paid',
      plan: 'live',
      company: {
        name: 'Inna Firma sp. z o.o.',
        taxId: '7740001454',
        country: 'PL',
        address: { street: 'ul. Krótka 2', postalCode: '00-001', city: 'Warszawa', country: 'PL' },
        isLegalPerson: true,
      },
    });
    await activate(app, 'jan@inny.example');
    const stranger = await logIn(app, 'jan@inny.example');
    assert.ok(other.accountId);
    const refused = await downloadPdf(app, accountId, invoice.id, stranger.reads);
    assert.equal(refused.statusCode, 403, refused.body);
  });

  it('an English-speaking customer gets the invoice in English', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-15T10:00:00+01:00');
    const { accountId } = await registered(app, clock, {
      email: 'ann@rose.example',
      accountType: 'paid',
      plan: 'live',
      locale: 'en',
    });
    const { invoice } = await order(app, accountId, liveByCard);
    const { text } = await pdfText((await downloadPdf(app, accountId, invoice.id)).rawPayload);
    for (const expected of [
      'VAT invoice no. TEST/FV/2026/03/0001',
      'Issue date: 2026-03-15',
      'Billing period: 2026-03-15 – 2026-04-14',
      'Live – monthly subscription 2026-03-15 – 2026-04-14',
      '23% PLN 119.00 PLN 27.37 PLN 146.37',
      'Amount due: PLN 146.37',
      'Paid: PLN 146.37 on 2026-03-15 by card',
      'Payment status: paid',
    ])
      assert.ok(text.replaceAll('\n', ' ').includes(expected), `"${expected}" in:\n${text}`);
    assert.ok(!text.includes('Faktura'), 'no Polish labels');
  });

  it('QU-BIL-05: a Czech buyer’s name prints with every diacritic (ř š ž ů ě), 21% VAT, due date and "awaiting payment"', async (t) => {
    const app = await anApp(t, 'quanda');
    const clock = await aTestClock(app, '2026-02-10T10:00:00+01:00');
    const { accountId } = await registered(app, clock, {
      email: 'petr@kun.example',
      company: {
        name: 'Příliš žluťoučký kůň, ďábelské ódy s.r.o.',
        taxId: anIco('2712345'),
        country: 'CZ',
        address: { street: 'Náměstí Míru 15', postalCode: '120 00', city: 'Praha 2', country: 'CZ' },
        isLegalPerson: true,
      },
    });
    const { invoice } = await order(app, accountId, {
      plan: 'professional_500',
      frequency: 'annual',
      identification: { orderingPerson: 'Petr Kůň' },
    });
    const { text } = await pdfText((await downloadPdf(app, accountId, invoice.id)).rawPayload);
    for (const expected of [
      'Příliš žluťoučký kůň, ďábelské ódy s.r.o.',
      'Náměstí Míru 15',
      '120 00 Praha 2',
      '21% 10 000,00 CZK 2 100,00 CZK 12 100,00 CZK',
      'Termin płatności: 2026-02-24',
      'Do zapłaty: 12 100,00 CZK',
      'Status płatności: oczekuje na płatność',
    ])
      assert.ok(text.replaceAll('\n', ' ').includes(expected), `"${expected}" in:\n${text}`);
  });

  it('CM-BIL-04: a correcting invoice names the invoice it corrects and shows the amounts before and after', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-06-01T10:00:00+02:00');
    const { accountId } = await registered(app, clock, {
      email: 'anna@roza.example',
      accountType: 'paid',
      plan: 'live',
    });
    const ordered = await order(app, accountId, liveByCard);
    const refund = await app.http.inject({
      method: 'POST',
      url: `/v1/accounts/${accountId}/refunds`,
      headers: app.operator,
      payload: { paymentId: ordered.payment.id, reason: 'termination_without_cause', on: '2026-06-19' },
    });
    assert.equal(refund.statusCode, 201, refund.body);
    const kor = refund.json().correction;
    const { text } = await pdfText((await downloadPdf(app, accountId, kor.id)).rawPayload);
    for (const expected of [
      'Faktura korygująca nr TEST/FV/2026/06/0002',
      'Korekta faktury nr TEST/FV/2026/06/0001 (Data wystawienia: 2026-06-01)',
      'Przyczyna korekty:',
      'Przed korektą 119,00 PLN 27,37 PLN 146,37 PLN',
      'Korekta -47,60 PLN -10,95 PLN -58,55 PLN',
      'Po korekcie 71,40 PLN 16,42 PLN 87,82 PLN',
      'Do zwrotu: 58,55 PLN',
    ])
      assert.ok(text.replaceAll('\n', ' ').includes(expected), `"${expected}" in:\n${text}`);
  });

  it('an unknown invoice is a 404', async (t) => {
    const app = await anApp(t, 'clickmeeting');
    const clock = await aTestClock(app, '2026-03-15T10:00:00+01:00');
    const { accountId } = await registered(app, clock, {
      email: 'anna@roza.example',
      accountType: 'paid',
      plan: 'live',
    });
    const res = await downloadPdf(app, accountId, 'inv_missing');
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().code, 'billing.invoice_not_found');
  });
});
