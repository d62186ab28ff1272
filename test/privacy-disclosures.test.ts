import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { type DisclosureInput, makeDisclosures } from '../src/modules/privacy/disclosures.ts';
import { manualClock } from '../src/platform/clock.ts';
import type { Database } from '../src/platform/db/database.ts';
import { AppError } from '../src/platform/errors.ts';
import { makeEventLog } from '../src/platform/evidence/event-log.ts';
import { sequentialIds } from '../src/platform/ids.ts';
import { buildTestApp } from './helpers/app.ts';
import { openTestDatabase } from './helpers/database.ts';

// The disclosure log on a real database: decisions by the pure rules, records committed before data leave.

describe('disclosures of personal data to third parties', () => {
  let db: Database;
  const clock = manualClock('2026-06-03T08:30:00Z');
  let disclosures: ReturnType<typeof makeDisclosures>;
  let eventLog: ReturnType<typeof makeEventLog>;

  before(async () => {
    db = await openTestDatabase();
    const ids = sequentialIds();
    eventLog = makeEventLog({ db, clock, ids });
    disclosures = makeDisclosures({ db, eventLog, ids, clock, timeZone: () => 'Europe/Warsaw' });
  });
  after(() => db?.close());

  const police: DisclosureInput = {
    recipient: 'authority',
    requester: 'Komenda Miejska Policji w Gdańsku',
    legalGround: 'art. 20c ustawy o Policji',
    reference: 'RSD-123/26',
    written: true,
    reasoned: true,
    subjects: ['acc_123'],
    fields: ['email', 'ip_address'],
    clause: 'MOC-PRV-03',
    actor: 'staff:dpo',
  };

  async function count(): Promise<number> {
    const [row] = await db.rows<{ n: number }>(sql`select count(*)::int as n from privacy_disclosures`);
    return row!.n;
  }

  async function refusal(input: DisclosureInput): Promise<string> {
    let released = false;
    const before = await count();
    await assert.rejects(
      disclosures.disclose(input, async () => {
        released = true;
      }),
      (error: unknown) => error instanceof AppError && error.code === 'privacy.disclosure_refused',
    );
    assert.equal(released, false, 'no data leave');
    assert.equal(await count(), before, 'nothing is logged as disclosed');
    const events = await eventLog.list('operator');
    const last = events.at(-1)!;
    assert.equal(last.type, 'privacy.disclosure_refused');
    return `${last.clause}:${String(last.data.reason)}`;
  }

  it('MOC-PRV-03: a police request on 2026-06-03 is logged with its reference and fields before any data leave', async () => {
    const sent = await disclosures.disclose(police, async (logged) => {
      // The release step sees the committed record: it exists before the data are handed over.
      const rows = await db.rows<{ reference: string; fields: string[]; disclosed_on: string }>(
        sql`select reference, fields, disclosed_on from privacy_disclosures where id = ${logged.id}`,
      );
      assert.deepEqual(rows, [
        { reference: 'RSD-123/26', fields: ['email', 'ip_address'], disclosed_on: '2026-06-03' },
      ]);
      return logged.id;
    });
    const [entry] = await disclosures.list();
    assert.equal(entry!.id, sent);
    assert.equal(entry!.requester, 'Komenda Miejska Policji w Gdańsku');
    assert.equal(entry!.legalGround, 'art. 20c ustawy o Policji');
    assert.deepEqual(entry!.subjects, ['acc_123']);
    const event = (await eventLog.list('operator')).at(-1)!;
    assert.equal(event.type, 'privacy.disclosure_logged');
    assert.equal(event.clause, 'MOC-PRV-03');
    assert.ok(!JSON.stringify(event.data).includes('Gdańsk'), 'no requester text in the event');
  });

  it('MOC-PRV-03: personal data are never sold; an acquirer gets data only when bound to the same standard', async () => {
    assert.equal(
      await refusal({ ...police, recipient: 'buyer', requester: 'Lead Broker sp. z o.o.' }),
      'MOC-PRV-03:sale_forbidden',
    );
    const acquirer: DisclosureInput = {
      ...police,
      recipient: 'acquirer',
      requester: 'Nabywca S.A.',
      legalGround: 'umowa sprzedaży przedsiębiorstwa',
      reference: 'SPA-2026-07',
      written: false,
      reasoned: false,
    };
    assert.equal(await refusal(acquirer), 'MOC-PRV-03:acquirer_not_bound');
    const logged = await disclosures.record({ ...acquirer, boundToSameStandard: true });
    assert.equal(logged.recipient, 'acquirer');
  });

  it('CM-PRV-13: police asking on 2026-07-01 for "all users in Gdańsk" are refused; a written request naming account #123 is logged', async () => {
    clock.set('2026-07-01T10:00:00Z');
    const all = { ...police, clause: 'CM-PRV-13' as const, subjects: [], reference: 'RSD-200/26' };
    assert.equal(await refusal(all), 'CM-PRV-13:not_individual_case');
    assert.equal(
      await refusal({ ...all, subjects: ['acc_123'], written: false }),
      'CM-PRV-13:not_written_or_reasoned',
    );
    assert.equal(
      await refusal({ ...all, subjects: ['acc_123'], reasoned: false }),
      'CM-PRV-13:not_written_or_reasoned',
    );
    const logged = await disclosures.record({ ...all, subjects: ['acc_123'] });
    assert.equal(logged.disclosedOn, '2026-07-01');
    assert.equal(logged.clause, 'CM-PRV-13');
  });

  it('HT-PRV-06: a partner export job on 2026-07-01 that contains email addresses is blocked; non-identifying data pass', async () => {
    clock.set('2026-07-01T12:00:00Z');
    const partner: DisclosureInput = {
      recipient: 'partner',
      requester: 'Partner marketingowy',
      legalGround: null,
      reference: 'export-2026-07',
      written: true,
      reasoned: false,
      subjects: [],
      fields: ['country', 'email', 'plan'],
      clause: 'HT-PRV-06',
      actor: 'system',
    };
    assert.equal(await refusal(partner), 'HT-PRV-06:identifying_data_to_partner');
    assert.equal(await refusal({ ...partner, recipient: 'buyer' }), 'HT-PRV-06:sale_forbidden');
    const aggregate = await disclosures.record({ ...partner, fields: ['country', 'plan'] });
    assert.deepEqual(aggregate.fields, ['country', 'plan']);
    // With every person's consent, the transfer is permitted and logged.
    const consented = await disclosures.record({ ...partner, subjectsConsented: true, subjects: ['acc_7'] });
    assert.deepEqual(consented.fields, ['country', 'email', 'plan']);
  });

  it('rejects malformed input without logging anything', async () => {
    const before = await count();
    await assert.rejects(
      disclosures.record({ ...police, requester: ' ' }),
      (error: unknown) => error instanceof AppError && error.code === 'request.invalid',
    );
    assert.equal(await count(), before);
  });
});

describe('the disclosure log over HTTP', () => {
  it('MOC-PRV-03: the operator records a police disclosure of 2026-06-03 and reads it back; a sale is refused with 422', async (t) => {
    const app = await buildTestApp({
      preset: 'myownconference',
      clock: manualClock('2026-06-03T09:00:00+02:00'),
    });
    t.after(() => app.close());
    const payload = {
      recipient: 'authority',
      requester: 'Komenda Miejska Policji w Gdańsku',
      legalGround: 'art. 20c ustawy o Policji',
      reference: 'RSD-123/26',
      written: true,
      reasoned: true,
      subjects: ['acc_123'],
      fields: ['email', 'ip_address'],
      clause: 'MOC-PRV-03',
    };
    const sale = await app.http.inject({
      method: 'POST',
      url: '/v1/privacy/disclosures',
      headers: { ...app.operator, 'idempotency-key': 'sale-1' },
      payload: { ...payload, recipient: 'buyer' },
    });
    assert.equal(sale.statusCode, 422, sale.body);
    assert.equal(sale.json().code, 'privacy.disclosure_refused');
    assert.equal(sale.json().details.reason, 'sale_forbidden');
    const refusedEvent = await app.db.rows<{ clause: string }>(
      sql`select clause from events where type = 'privacy.disclosure_refused'`,
    );
    assert.deepEqual(refusedEvent, [{ clause: 'MOC-PRV-03' }], 'the refusal is evidenced');

    const anonymous = await app.http.inject({ method: 'POST', url: '/v1/privacy/disclosures', payload });
    assert.equal(anonymous.statusCode, 401);

    const created = await app.http.inject({
      method: 'POST',
      url: '/v1/privacy/disclosures',
      headers: { ...app.operator, 'idempotency-key': 'police-1' },
      payload,
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().disclosedOn, '2026-06-03');
    const list = await app.http.inject({ url: '/v1/privacy/disclosures', headers: app.operator });
    assert.deepEqual(
      list.json().disclosures.map((d: { reference: string; fields: string[] }) => [d.reference, d.fields]),
      [['RSD-123/26', ['email', 'ip_address']]],
    );
  });
});
