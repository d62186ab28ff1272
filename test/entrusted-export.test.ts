import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { aCustomer, exportCsv, uploadCsv } from './helpers/entrusted.ts';

// The contacts CSV byte for byte, on whichever engine runs the tests: on PostgreSQL one COPY … (FORMAT csv)
// encodes it, on PGlite SQL of our own, page by page; both must give the same file.

const imported = [
  'email,title,first_name,last_name,position,company,phone,work_city,work_country,birth_date,name_day,custom:shoe_size',
  'zofia.gesla@example.pl,Pani,Zofia,Gęślą-Jaźń,"Kierownik, sprzedaż","Żółw ""Szybki"" sp. z o.o.",+48 600 100 200,Łódź,PL,1980-02-29,05-15,38',
  'lukasz@example.pl,Pan,Łukasz,Źdźbło,,,+48 601 000 000,Kraków,PL,,,',
  'anna@example.com,,Anna,"Nowak, ""Ania""",CEO,"""Quanda""",,"Gdańsk\nOliwa",PL,,,"41,5"',
].join('\n');

const header =
  'id,title,gender,first_name,middle_name,last_name,position,birth_date,birth_place,name_day,contact_source,' +
  'referrer_name,company,email,website,phone,work_street,work_postal_code,work_city,work_region,work_country,' +
  'private_street,private_postal_code,private_city,private_region,private_country,custom:shoe_size,created_at\n';

// Each contact's line after its id: a field is quoted only when it holds a comma, a quote or a line break
// (quotes doubled inside); an empty field is a value the contact does not have. Imported 2026-04-01 09:00
// Prague time.
const lines: Record<string, string> = {
  'zofia.gesla@example.pl':
    ',Pani,,Zofia,,Gęślą-Jaźń,"Kierownik, sprzedaż",1980-02-29,,05-15,,,"Żółw ""Szybki"" sp. z o.o.",' +
    'zofia.gesla@example.pl,,+48 600 100 200,,,Łódź,,PL,,,,,,38,2026-04-01T07:00:00.000Z\n',
  'lukasz@example.pl':
    ',Pan,,Łukasz,,Źdźbło,,,,,,,,lukasz@example.pl,,+48 601 000 000,,,Kraków,,PL,,,,,,,2026-04-01T07:00:00.000Z\n',
  'anna@example.com':
    ',,,Anna,,"Nowak, ""Ania""",CEO,,,,,,"""Quanda""",anna@example.com,,,,,"Gdańsk\nOliwa",,PL,,,,,,"41,5",' +
    '2026-04-01T07:00:00.000Z\n',
};

describe('entrusted data: the contacts CSV export', () => {
  it('QU-PRC-02, QU-LIF-10: the file is exact, byte for byte: Polish letters, commas, quotes and line breaks quoted as csv-stringify does', async (t) => {
    const { app, accountId, owner } = await aCustomer(t, 'quanda');
    const res = await uploadCsv(app, accountId, owner.writes, `${imported}\n`);
    assert.equal(res.statusCode, 201, res.body);

    const csv = await exportCsv(app, accountId, owner.reads);
    // The ids are made at import; the file lists the contacts in id order.
    const ids = (parse(csv, { columns: true }) as { id: string; email: string }[]).map((r) => [
      r.id,
      r.email,
    ]);
    assert.equal(ids.length, 3);
    const expected =
      header +
      ids
        .sort(([a], [b]) => (a! < b! ? -1 : 1))
        .map(([id, email]) => `${id}${lines[email!]}`)
        .join('');
    assert.equal(csv, expected);
    assert.ok(ids.every(([id]) => /^ctc_[0-9A-Za-z]+$/.test(id!)));
  });
});
