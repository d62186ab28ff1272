import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invoiceSeriesFor } from './billing-context.ts';
import { checkInvoicePattern, formatInvoiceNumber, sequenceScope } from './invoice-numbering.ts';

describe('invoice numbers', () => {
  it('formats FV/{YYYY}/{MM}/{NNNN} as FV/2026/11/0001', () => {
    assert.equal(formatInvoiceNumber('FV/{YYYY}/{MM}/{NNNN}', '2026-11-22', 1), 'FV/2026/11/0001');
    assert.equal(formatInvoiceNumber('{N}/{YY}', '2026-01-05', 123), '123/26');
    assert.equal(formatInvoiceNumber('FV/{YYYY}/{NNN}', '2026-01-05', 12345), 'FV/2026/12345');
  });

  it('restarts monthly, yearly or never, as the pattern says', () => {
    assert.equal(sequenceScope('FV/{YYYY}/{MM}/{NNNN}', '2026-11-22'), '2026-11');
    assert.equal(sequenceScope('FV/{YYYY}/{NNNN}', '2026-11-22'), '2026');
    assert.equal(sequenceScope('INV-{NNNNNN}', '2026-11-22'), 'all');
  });

  it('checks patterns', () => {
    assert.equal(checkInvoicePattern('FV/{YYYY}/{MM}/{NNNN}'), null);
    assert.match(checkInvoicePattern('FV/{YYYY}') ?? '', /sequence placeholder/);
    assert.match(checkInvoicePattern('FV/{DD}/{NNNN}') ?? '', /unknown placeholder/);
    assert.match(checkInvoicePattern('{NN}-{NN}') ?? '', /only one/);
  });
});

describe('invoice series', () => {
  it('a sandbox account on a test clock never takes a number from the real series', () => {
    assert.equal(invoiceSeriesFor(null).pattern, 'FV/{YYYY}/{MM}/{NNNN}');
    assert.equal(invoiceSeriesFor('clock_1').pattern, 'TEST/FV/{YYYY}/{MM}/{NNNN}');
    assert.notEqual(invoiceSeriesFor('clock_1').series, invoiceSeriesFor(null).series);
  });
});
