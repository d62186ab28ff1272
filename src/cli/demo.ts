import { sql } from 'drizzle-orm';
import type { App } from '../app.ts';

const demoCompanies = [
  {
    name: 'Kwiaciarnia Róża sp. z o.o.',
    taxId: '5260250274',
    email: 'owner@roza.example',
    first: 'Anna',
    last: 'Nowak',
  },
  {
    name: 'Studio Jogi Oddech',
    taxId: '7740001454',
    email: 'kontakt@oddech.example',
    first: 'Piotr',
    last: 'Kowalski',
  },
  {
    name: 'Biuro Rachunkowe Saldo',
    taxId: '1132853869',
    email: 'biuro@saldo.example',
    first: 'Ewa',
    last: 'Wiśniewska',
  },
];

/**
 * Seeds a fresh installation with something to look at: an operator API key, a test clock, and a few
 * customer accounts registered on it under the current policy. Returns what it made; idempotent in the sense
 * that a second run on the same database adds nothing (it checks for the first demo account).
 */
export async function seedDemo(
  app: App,
): Promise<{ apiKey: string | null; clockId: string | null; accounts: string[] }> {
  const { policy } = app.current();
  const already = await app.db.rows<{ id: string }>(
    sql`select id from users where lower(email) = ${demoCompanies[0]!.email}`,
  );
  if (already.length > 0) return { apiKey: null, clockId: null, accounts: [] };

  const { key } = await app.accounts.createApiKey({ name: 'demo', scopes: ['admin'] });
  const clock = await app.testClocks.create({ name: 'demo clock', frozenTime: app.clock.now() });
  const accounts: string[] = [];
  for (const c of demoCompanies) {
    const result = await app.accounts.register(
      {
        company: {
          name: c.name,
          taxId: c.taxId,
          country: 'PL',
          address: { street: 'ul. Długa 1', postalCode: '80-831', city: 'Gdańsk', country: 'PL' },
          isLegalPerson: true,
        },
        person: { firstName: c.first, lastName: c.last },
        registeringPerson: `${c.first} ${c.last}`,
        email: c.email,
        phone: '+48 600 100 200',
        password: 'demo-password-123',
        declarations: { business: true, adult: true, legalCapacity: true },
        acceptedDocuments: policy.documents
          .filter((d) => d.requiredAtRegistration)
          .map((d) => ({ kind: d.kind, version: d.version })),
        locale: 'pl',
        testClockId: clock.id,
      },
      { ip: null, userAgent: 'klauzula demo' },
    );
    accounts.push(result.accountId);
  }
  return { apiKey: key, clockId: clock.id, accounts };
}
