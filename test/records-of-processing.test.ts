import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anApp, aTestClock, events } from './helpers/accounts.ts';
import type { TestApp } from './helpers/app.ts';
import { pdfText } from './helpers/pdf-text.ts';

// Records of processing (GDPR art. 30) for both roles, generated from the policy and the registry, as CSV
// and PDF; the tests read both back.

/** RFC 4180 CSV into rows of fields (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

async function records(app: TestApp, query: string) {
  return app.http.inject({ method: 'GET', url: `/v1/records-of-processing?${query}`, headers: app.operator });
}

function asObjects(csv: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(csv);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

describe('records of processing (GDPR art. 30)', () => {
  it('as controller: one row per category of its own data, with recipients, transfers with their safeguard, retention and security; CSV read back', async (t) => {
    const app = await anApp(t, 'quanda');
    const policy = app.current().policy;
    const res = await records(app, 'role=controller&format=csv&lang=en');
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.headers['content-type'] as string, /^text\/csv/);
    assert.match(
      res.headers['content-disposition'] as string,
      /records-of-processing-controller-\d{4}-\d{2}-\d{2}\.csv/,
    );
    const rows = asObjects(res.body);
    const own = policy.retention.categories.filter((c) => c.role === 'controller');
    assert.ok(own.length > 0);
    assert.deepEqual(
      rows.map((r) => r.activity),
      own.map((c) => c.id),
    );
    for (const row of rows) {
      assert.equal(row.role, 'controller');
      assert.match(row.controller!, new RegExp(policy.operator.legalName.replace(/[.()]/g, '\\$&')));
      // Recipients: the sub-processors for every customer, not the integration-only ones.
      assert.match(row.recipients!, /COEX s\.r\.o\. \(CZ\)/);
      assert.doesNotMatch(row.recipients!, /SendGrid/);
      assert.match(row.transfers!, /Linode, LLC → US: standard contractual clauses/);
      assert.doesNotMatch(row.transfers!, /COEX/);
      assert.match(row.security!, /TLS/);
    }
    const first = own[0]!;
    const firstRow = rows[0]!;
    assert.equal(firstRow.name, first.name.en);
    assert.equal(firstRow.clause, first.clause);
    const length = first.period.years ?? first.period.months ?? first.period.days;
    assert.ok(firstRow.retention!.includes(`${length} `), firstRow.retention);
  });

  it('QU-PRC-10: as processor: every sub-processor with the customers it applies to, including one announced since; PDF read back', async (t) => {
    const app = await anApp(t, 'quanda');
    const clockId = await aTestClock(app, '2026-06-01T09:00:00+02:00');
    const added = await app.http.inject({
      method: 'POST',
      url: '/v1/sub-processors',
      headers: app.operator,
      payload: {
        id: 'hetzner',
        name: 'Hetzner Online GmbH',
        address: 'Industriestr. 25, 91710 Gunzenhausen',
        purpose: { pl: 'Hosting serwerów', en: 'Server hosting' },
        location: 'DE',
        safeguard: 'eea',
        scope: 'all',
        effectiveOn: '2026-06-15',
        agreementRecorded: true,
        testClockId: clockId,
      },
    });
    assert.equal(added.statusCode, 201, added.body);

    const csv = await records(app, 'role=processor&format=csv&lang=pl');
    assert.equal(csv.statusCode, 200, csv.body);
    const rows = asObjects(csv.body);
    assert.ok(rows.length >= 1);
    for (const row of rows) {
      assert.equal(row.role, 'processor');
      assert.match(row.controller!, /każdy klient usługi/);
      assert.match(row.recipients!, /SendGrid \(US; tylko klienci z włączoną integracją sendgrid\)/);
      assert.match(row.recipients!, /MessageBird B\.V\. \(NL; tylko klienci z włączoną integracją bird\)/);
      assert.match(row.recipients!, /Hetzner Online GmbH \(DE; wszyscy klienci\)/);
      assert.match(row.transfers!, /SendGrid → US: standardowe klauzule umowne/);
      assert.equal(row.dataCategories, app.current().policy.processor.entrustedCategories.join('; '));
    }

    const pdf = await records(app, 'role=processor&format=pdf&lang=pl');
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    const read = await pdfText(pdf.rawPayload);
    const pages = read.pages;
    const text = read.text.replace(/\s+/g, ' ');
    assert.ok(pages >= 1);
    assert.match(text, /Rejestr kategorii czynności przetwarzania \(podmiot przetwarzający\)/);
    assert.match(text, /art\. 30 ust\. 2 RODO/);
    assert.match(text, /COEX s\.r\.o\./);
    assert.match(text, /Hetzner Online GmbH/);
    assert.match(text, /Środki bezpieczeństwa:/);

    const exports = (await events(app, 'sub_processors')).filter(
      (e) => e.type === 'processors.records_exported',
    );
    assert.deepEqual(
      exports.map((e) => [e.data.role, e.data.format, e.clause]),
      [
        ['processor', 'csv', 'QU-PRC-13'],
        ['processor', 'pdf', 'QU-PRC-13'],
      ],
    );
  });

  it('only the operator reads them, and a bad role or format is a clear 400', async (t) => {
    const app = await anApp(t, 'bookero');
    const anonymous = await app.http.inject({
      method: 'GET',
      url: '/v1/records-of-processing?role=controller&format=csv',
    });
    assert.equal(anonymous.statusCode, 401);
    const bad = await records(app, 'role=auditor&format=csv');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'request.invalid');
    const pdf = await records(app, 'role=controller&format=pdf&lang=en');
    const text = (await pdfText(pdf.rawPayload)).text.replace(/\s+/g, ' ');
    assert.match(text, /Records of processing activities \(controller\)/);
    assert.match(text, /GDPR art\. 30\(1\)/);
  });
});
