import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addIsoDuration } from './iso-duration.ts';

// Years and months keep the day of the month but never run past the month's end (2026-01-31 + P1M).
describe('addIsoDuration', () => {
  const cases: [string, string, string][] = [
    ['2026-03-16T23:00:00.000Z', 'PT1S', '2026-03-16T23:00:01.000Z'],
    ['2026-03-02T09:00:00.000Z', 'P14D', '2026-03-16T09:00:00.000Z'],
    ['2026-03-02T09:00:00.000Z', 'P1DT36H', '2026-03-04T21:00:00.000Z'],
    ['2026-01-15T10:00:00.000Z', 'P1M', '2026-02-15T10:00:00.000Z'],
    ['2026-01-31T10:00:00.000Z', 'P1M', '2026-02-28T10:00:00.000Z'],
    ['2028-01-31T10:00:00.000Z', 'P1M', '2028-02-29T10:00:00.000Z'],
    ['2026-01-31T10:00:00.000Z', 'P1M1D', '2026-03-01T10:00:00.000Z'],
    ['2026-12-31T10:00:00.000Z', 'P2M', '2027-02-28T10:00:00.000Z'],
    ['2028-02-29T10:00:00.000Z', 'P1Y', '2029-02-28T10:00:00.000Z'],
    ['2026-05-31T10:00:00.000Z', 'P13M', '2027-06-30T10:00:00.000Z'],
  ];
  for (const [from, duration, expected] of cases)
    it(`${from} + ${duration} = ${expected}`, () => {
      assert.equal(addIsoDuration(new Date(from), duration).toISOString(), expected);
    });
});
