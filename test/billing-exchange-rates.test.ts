import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { sql } from 'drizzle-orm';
import { invoiceDocumentFromJson } from '../src/modules/billing/index.ts';
import { type Fa3Validator, makeFa3Validator } from '../src/modules/billing/ksef/index.ts';
import { loadPreset, type Policy } from '../src/policy/index.ts';
import { advanceClock, aTestClock, events, registered } from './helpers/accounts.ts';
import { buildTestApp, type TestApp } from './helpers/app.ts';
import { pdfText } from './helpers/pdf-text.ts';

// A Polish seller invoicing in EUR converts the VAT to PLN at the NBP average rate of the last business day
// before the tax point (ustawa o VAT art. 31a); the rates are data imported from NBP's JSON.

const GOOD_CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2030 };

/** NBP table A as api.nbp.pl returns it for /api/exchangerates/tables/A/2026-03-12/2026-03-16?format=json. */
const NBP_TABLES = [
  {
    table: 'A',
    no: '050/A/NBP/2026',
    effectiveDate: '2026-03-12',
    rates: [
      { currency: 'euro', code: 'EUR', mid: 4.24 },
      { currency: 'dolar amerykański', code: 'USD', mid: 3.8933 },
    ],
  },
  {
    table: 'A',
    no: '051/A/NBP/2026',
    effectiveDate: '2026-03-13',
    rates: [
      { currency: 'euro', code: 'EUR', mid: 4.2512 },
      { currency: 'dolar amerykański', code: 'USD', mid: 3.9021 },
    ],
  },
  {
    table: 'A',
    no: '052/A/NBP/2026',
    effectiveDate: '2026-03-16',
    rates: [
      { currency: 'euro', code: 'EUR', mid: 4.3 },
      { currency: 'dolar amerykański', code: 'USD', mid: 3.95 },
    ],
  },
];

/** ClickMeeting's terms priced in EUR: Live at 100.00 EUR net a month. */
function euroPolicy(): Policy {
  const policy = structuredClone(loadPreset('clickmeeting'));
  policy.locale.currency = 'EUR';
  for (const plan of policy.plans)
    if (plan.prices)
      for (const [frequency, list] of Object.entries(plan.prices))
        if (list)
          (plan.prices as Record<string, Record<string, string>>)[frequency] = {
            EUR: plan.code === 'live' ? '100.00' : '90.00',
          };
  return policy;
}

let fa3: Fa3Validator;
before(async () => {
  fa3 = await makeFa3Validator();
});
after(() => fa3.close());

async function anEuroApp(t: TestContext): Promise<TestApp> {
  const app = await buildTestApp({ policy: euroPolicy() });
  t.after(() => app.close());
  return app;
}

function importRates(app: TestApp, body: unknown, key = crypto.randomUUID()) {
  return app.http.inject({
    method: 'POST',
    url: '/v1/exchange-rates',
    headers: { ...app.operator, 'idempotency-key': key },
    payload: body as Record<string, unknown>,
  });
}

function order(app: TestApp, accountId: string) {
  return app.http.inject({
    method: 'POST',
    url: `/v1/accounts/${accountId}/subscriptions`,
    headers: app.operator,
    payload: {
      plan: 'live',
      frequency: 'monthly',
      card: GOOD_CARD,
      recurringConsent: true,
      identification: { orderingPerson: 'Anna Nowak' },
    },
  });
}

describe('NBP exchange rates on foreign-currency invoices', () => {
  it('CM-BIL-08: an EUR invoice issued Mon 2026-03-16 converts its VAT at Friday 2026-03-13’s NBP rate 4.2512: 23.00 EUR = 97.78 PLN, in the document, the FA(3) (P_14_1W, KursWaluty) and the PDF', async (t) => {
    const app = await anEuroApp(t);
    const imported = await importRates(app, NBP_TABLES);
    assert.equal(imported.statusCode, 201, imported.body);
    assert.deepEqual(imported.json(), {
      added: 6,
      known: 0,
      currencies: ['EUR', 'USD'],
      from: '2026-03-12',
      to: '2026-03-16',
    });

    const clock = await aTestClock(app, '2026-03-16T10:00:00+01:00');
    const { accountId } = await registered(app, clock, {
      email: 'anna@roza.example',
      accountType: 'paid',
      plan: 'live',
    });
    const res = await order(app, accountId);
    assert.equal(res.statusCode, 201, res.body);
    const invoice = res.json().invoice;
    assert.deepEqual(
      [invoice.currency, invoice.net, invoice.vat, invoice.gross],
      ['EUR', '100.00', '23.00', '123.00'],
    );

    const detail = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/invoices/${invoice.id}`,
      headers: app.operator,
    });
    const doc = invoiceDocumentFromJson(detail.json().document);
    assert.deepEqual(doc.exchangeRate, {
      currency: 'EUR',
      ratePln: '4.2512',
      table: '051/A/NBP/2026',
      date: '2026-03-13',
    });
    assert.deepEqual(doc.vatSummary[0]!.vatAmountPln, { amount: 9778n, currency: 'PLN' });

    const xml = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/invoices/${invoice.id}/fa3.xml`,
      headers: app.operator,
    });
    assert.deepEqual(fa3.validate(xml.body), { ok: true });
    assert.match(xml.body, /<KodWaluty>EUR<\/KodWaluty>/);
    assert.match(xml.body, /<P_14_1>23\.00<\/P_14_1>\s*<P_14_1W>97\.78<\/P_14_1W>/);
    assert.match(xml.body, /<KursWaluty>4\.2512<\/KursWaluty>/);

    const pdf = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/invoices/${invoice.id}/pdf`,
      headers: app.operator,
    });
    const { text } = await pdfText(pdf.rawPayload);
    const flat = text.replaceAll('\n', ' ');
    assert.ok(flat.includes('23% 100,00 EUR 23,00 EUR 123,00 EUR 97,78 PLN'), text);
    assert.ok(
      flat.includes(
        'Kurs średni NBP: 1 EUR = 4,2512 PLN (tabela 051/A/NBP/2026 z dnia 2026-03-13). VAT w PLN: 97,78 PLN',
      ),
      text,
    );
  });

  it('a missing rate is a clear error (409 billing.exchange_rate_missing) and issues, charges and starts nothing; after the import the same order goes through', async (t) => {
    const app = await anEuroApp(t);
    const clock = await aTestClock(app, '2026-03-16T10:00:00+01:00');
    const { accountId } = await registered(app, clock, {
      email: 'anna@roza.example',
      accountType: 'paid',
      plan: 'live',
    });
    const refused = await order(app, accountId);
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(refused.json().code, 'billing.exchange_rate_missing');
    assert.deepEqual(refused.json().details, { currency: 'EUR', taxPoint: '2026-03-16', days: 10 });
    assert.deepEqual(await app.billing.payments(accountId), []);
    const tab = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/billing`,
      headers: app.operator,
    });
    assert.deepEqual([tab.json().subscription, tab.json().invoices], [null, []]);
    assert.equal((await events(app, accountId)).filter((e) => e.type === 'invoice.issued').length, 0);

    // Only the same-day table (2026-03-16) is not enough: the rate must be from before the tax point.
    await importRates(app, [NBP_TABLES[2]]);
    assert.equal((await order(app, accountId)).statusCode, 409);
    await importRates(app, NBP_TABLES);
    const ok = await order(app, accountId);
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().invoice.number, 'TEST/FV/2026/03/0001', 'the refused attempts took no number');
  });

  it('a renewal whose NBP rate is missing issues nothing and charges nothing: its due item fails and keeps the error for the operator', async (t) => {
    const app = await anEuroApp(t);
    await importRates(app, NBP_TABLES);
    const clock = await aTestClock(app, '2026-03-16T10:00:00+01:00');
    const { accountId } = await registered(app, clock, {
      email: 'anna@roza.example',
      accountType: 'paid',
      plan: 'live',
    });
    assert.equal((await order(app, accountId)).statusCode, 201);
    // The renewal on 2026-04-16 needs the rate of Wed 2026-04-15, which was never imported.
    await advanceClock(app, clock, '2026-04-16T12:00:00+02:00');
    assert.equal((await app.billing.payments(accountId)).length, 1, 'nothing charged for April');
    const tab = await app.http.inject({
      method: 'GET',
      url: `/v1/accounts/${accountId}/billing`,
      headers: app.operator,
    });
    assert.equal(tab.json().invoices.length, 1, 'no April invoice');
    const [parked] = await app.db.rows<{ attempts: number; last_error: string | null }>(
      sql`select attempts, last_error from due_items where account_id = ${accountId} and kind = 'billing.renew'`,
    );
    assert.ok(parked, 'the renewal is still there');
    assert.match(parked.last_error ?? '', /No NBP EUR rate is on record for the 10 days before 2026-04-16/);
  });

  it('importing the same table again adds nothing; a file that is not an NBP table is refused whole; only the operator may import', async (t) => {
    const app = await anEuroApp(t);
    assert.equal((await importRates(app, NBP_TABLES)).json().added, 6);
    assert.deepEqual((await importRates(app, NBP_TABLES)).json(), {
      added: 0,
      known: 6,
      currencies: ['EUR', 'USD'],
      from: '2026-03-12',
      to: '2026-03-16',
    });
    const bad = await importRates(app, [{ table: 'C', no: 'x', effectiveDate: '2026-03-12', rates: [] }]);
    assert.equal(bad.statusCode, 502, bad.body);
    assert.equal(bad.json().code, 'billing.nbp_table_invalid');
    const listed = await app.http.inject({
      method: 'GET',
      url: '/v1/exchange-rates?currency=EUR',
      headers: app.operator,
    });
    assert.deepEqual(
      listed.json().rates.map((r: { date: string; midPln: string }) => [r.date, r.midPln]),
      [
        ['2026-03-16', '4.3'],
        ['2026-03-13', '4.2512'],
        ['2026-03-12', '4.24'],
      ],
    );
    const anonymous = await app.http.inject({
      method: 'POST',
      url: '/v1/exchange-rates',
      payload: NBP_TABLES,
    });
    assert.equal(anonymous.statusCode, 401);
  });

  it('`klauzula rates import FILE` imports an NBP file from the command line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'klauzula-rates-'));
    try {
      const file = join(dir, 'nbp.json');
      writeFileSync(file, JSON.stringify(NBP_TABLES));
      const run = () =>
        spawnSync(
          process.execPath,
          [new URL('../src/main.ts', import.meta.url).pathname, 'rates', 'import', file],
          {
            cwd: dir,
            encoding: 'utf8',
            env: {
              ...process.env,
              DATABASE_URL: '',
              KLAUZULA_DATA_DIR: join(dir, 'data'),
              LOG_LEVEL: 'silent',
            },
            timeout: 120_000,
          },
        );
      const first = run();
      assert.equal(first.status, 0, first.stderr);
      assert.match(
        first.stdout,
        /6 rate\(s\) added, 0 already on record \(EUR, USD; 2026-03-12 … 2026-03-16\)/,
      );
      const second = run();
      assert.equal(second.status, 0, second.stderr);
      assert.match(second.stdout, /0 rate\(s\) added, 6 already on record/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
