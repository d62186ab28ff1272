// Clause ids are written "QU BIL 01" here, not with hyphens: these tests pin the numbers and arithmetic a
// clause uses, not the behaviour the clause demands, so they do not count toward clause coverage.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import {
  addDays,
  addMonths,
  addYears,
  afterWindow,
  calendarMonthOrDays,
  customerDeadline,
  dayOfWeek,
  daysBetween,
  endOfDay,
  epochDayOf,
  hourDeadline,
  isLocalDate,
  localDateFromEpochDay,
  localDateOf,
  makeBusinessCalendar,
  providerDeadline,
  startOfDay,
  windowEnd,
} from './calendar.ts';

const WARSAW = 'Europe/Warsaw';
const PRAGUE = 'Europe/Prague';
const pl = makeBusinessCalendar('PL');
const cz = makeBusinessCalendar('CZ');
const none = makeBusinessCalendar('none');

describe('local dates', () => {
  it('accepts only real calendar dates', () => {
    assert.equal(isLocalDate('2026-02-28'), true);
    assert.equal(isLocalDate('2028-02-29'), true);
    assert.equal(isLocalDate('2026-02-29'), false);
    assert.equal(isLocalDate('2100-02-29'), false);
    assert.equal(isLocalDate('2000-02-29'), true);
    assert.equal(isLocalDate('2026-13-01'), false);
    assert.equal(isLocalDate('2026-1-01'), false);
    assert.equal(isLocalDate('2026-01-01T00:00'), false);
    assert.equal(isLocalDate('0000-01-01'), false);
    assert.equal(isLocalDate(20260101), false);
    assert.throws(() => addDays('2026-02-30', 1), /not a LocalDate/);
  });

  it('round-trips epoch days across centuries', () => {
    assert.equal(epochDayOf('1970-01-01'), 0);
    assert.equal(epochDayOf('1969-12-31'), -1);
    for (const date of ['0001-01-01', '1600-02-29', '1999-12-31', '2000-02-29', '2026-05-16', '9999-12-31']) {
      assert.equal(localDateFromEpochDay(epochDayOf(date)), date);
    }
    // Agrees with the built-in UTC calendar day by day over four centuries.
    for (let d = epochDayOf('1900-01-01'); d <= epochDayOf('2300-01-01'); d += 1) {
      assert.equal(localDateFromEpochDay(d), new Date(d * 86_400_000).toISOString().slice(0, 10));
    }
  });

  it('adds days, months and years', () => {
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
    assert.equal(addDays('2026-03-01', -1), '2026-02-28');
    assert.equal(addMonths('2026-01-31', 1), '2026-02-28');
    assert.equal(addMonths('2028-01-31', 1), '2028-02-29');
    assert.equal(addMonths('2026-03-31', -1), '2026-02-28');
    assert.equal(addMonths('2026-11-15', 2), '2027-01-15');
    assert.equal(addMonths('2026-01-15', -13), '2024-12-15');
    assert.equal(addYears('2028-02-29', 1), '2029-02-28');
    assert.equal(addYears('2026-06-30', -1), '2025-06-30');
    assert.throws(() => addDays('2026-01-01', 1.5), /integer/);
  });

  it('counts calendar days and weekdays', () => {
    assert.equal(daysBetween('2026-01-31', '2026-03-02'), 30);
    assert.equal(daysBetween('2026-03-02', '2026-01-31'), -30);
    assert.equal(dayOfWeek('2026-05-15'), 5);
    assert.equal(dayOfWeek('2026-05-16'), 6);
    assert.equal(dayOfWeek('2026-05-17'), 7);
    assert.equal(dayOfWeek('2026-05-18'), 1);
    assert.equal(dayOfWeek('1970-01-01'), 4);
  });

  it('counts pro-rata days inclusively: QU BIL 06 21/31, QU BIL 09 183/365, QU LEG 02 200, BK LIF 04 211', () => {
    const inclusive = (from: string, to: string) => daysBetween(from, to) + 1;
    assert.equal(inclusive('2026-03-11', '2026-03-31'), 21);
    assert.equal(inclusive('2026-03-01', '2026-03-31'), 31);
    assert.equal(inclusive('2026-07-02', '2026-12-31'), 183);
    assert.equal(inclusive('2026-01-01', '2026-12-31'), 365);
    assert.equal(inclusive('2026-06-15', '2026-12-31'), 200);
    assert.equal(inclusive('2026-06-04', '2026-12-31'), 211);
  });

  it('CM BIL 06 and CM LIF 17: 10 and 12 remaining days counting the first day', () => {
    assert.equal(daysBetween('2026-04-21', '2026-04-30') + 1, 10);
    assert.equal(daysBetween('2026-06-19', '2026-06-30') + 1, 12);
  });
});

describe('zones and DST', () => {
  it('Europe/Warsaw spring forward 2026-03-29: a 23-hour day', () => {
    assert.equal(startOfDay('2026-03-29', WARSAW).toISOString(), '2026-03-28T23:00:00.000Z');
    assert.equal(endOfDay('2026-03-29', WARSAW).toISOString(), '2026-03-29T21:59:59.999Z');
    assert.equal(endOfDay('2026-03-28', WARSAW).toISOString(), '2026-03-28T22:59:59.999Z');
    assert.equal(
      endOfDay('2026-03-29', WARSAW).getTime() + 1 - startOfDay('2026-03-29', WARSAW).getTime(),
      23 * 3_600_000,
    );
  });

  it('Europe/Warsaw fall back 2026-10-25: a 25-hour day', () => {
    assert.equal(startOfDay('2026-10-25', WARSAW).toISOString(), '2026-10-24T22:00:00.000Z');
    assert.equal(endOfDay('2026-10-25', WARSAW).toISOString(), '2026-10-25T22:59:59.999Z');
    assert.equal(startOfDay('2026-10-26', WARSAW).toISOString(), '2026-10-25T23:00:00.000Z');
    assert.equal(
      endOfDay('2026-10-25', WARSAW).getTime() + 1 - startOfDay('2026-10-25', WARSAW).getTime(),
      25 * 3_600_000,
    );
  });

  it('localDateOf switches exactly at local midnight, across DST', () => {
    assert.equal(localDateOf(new Date('2026-03-28T22:59:59.999Z'), WARSAW), '2026-03-28');
    assert.equal(localDateOf(new Date('2026-03-28T23:00:00.000Z'), WARSAW), '2026-03-29');
    assert.equal(localDateOf(new Date('2026-03-29T21:59:59.999Z'), WARSAW), '2026-03-29');
    assert.equal(localDateOf(new Date('2026-03-29T22:00:00.000Z'), WARSAW), '2026-03-30');
    // Inside the repeated hour 02:00–03:00 of 2026-10-25, both passes are that day.
    assert.equal(localDateOf(new Date('2026-10-25T00:30:00Z'), WARSAW), '2026-10-25');
    assert.equal(localDateOf(new Date('2026-10-25T01:30:00Z'), WARSAW), '2026-10-25');
    assert.equal(localDateOf(new Date('2026-10-25T22:59:59.999Z'), WARSAW), '2026-10-25');
    assert.equal(localDateOf(new Date('2026-10-25T23:00:00Z'), WARSAW), '2026-10-26');
    assert.equal(localDateOf(new Date('2026-10-25T23:30:00Z'), 'UTC'), '2026-10-25');
    assert.equal(localDateOf(new Date('2026-10-25T23:30:00Z'), 'Asia/Kolkata'), '2026-10-26');
  });

  it('localDateOf gives the same answer in any order of calls', () => {
    const instants = [
      '2026-03-28T23:00:00Z',
      '2026-01-01T00:00:00Z',
      '2026-03-28T22:00:00Z',
      '2026-03-28T23:00:00Z',
      '2025-12-31T22:59:59.999Z',
    ];
    const expected = ['2026-03-29', '2026-01-01', '2026-03-28', '2026-03-29', '2025-12-31'];
    assert.deepEqual(
      instants.map((s) => localDateOf(new Date(s), WARSAW)),
      expected,
    );
  });

  it('agrees with Luxon for random instants in awkward zones', () => {
    const zones = [
      'Europe/Warsaw',
      'Europe/Prague',
      'Pacific/Kiritimati',
      'Pacific/Niue',
      'Asia/Kathmandu',
      'America/Santiago',
      'UTC',
    ];
    let seed = 12_345;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let i = 0; i < 5000; i++) {
      const ms = Date.parse('2020-01-01T00:00:00Z') + Math.floor(random() * 10 * 365 * 86_400_000);
      const zone = zones[i % zones.length]!;
      const expected = DateTime.fromMillis(ms, { zone }).toISODate();
      const date = localDateOf(new Date(ms), zone);
      assert.equal(date, expected, `${new Date(ms).toISOString()} ${zone}`);
      assert.ok(startOfDay(date, zone).getTime() <= ms && ms <= endOfDay(date, zone).getTime());
    }
  });

  it('a day whose midnight is skipped starts at the first instant it has (America/Santiago 2026-09-06)', () => {
    assert.equal(startOfDay('2026-09-06', 'America/Santiago').toISOString(), '2026-09-06T04:00:00.000Z');
    assert.equal(endOfDay('2026-09-05', 'America/Santiago').toISOString(), '2026-09-06T03:59:59.999Z');
  });

  it('returns fresh Date objects from the cache', () => {
    const a = startOfDay('2026-06-01', WARSAW);
    a.setTime(0);
    assert.equal(startOfDay('2026-06-01', WARSAW).toISOString(), '2026-05-31T22:00:00.000Z');
  });

  it('rejects an unknown zone', () => {
    assert.throws(() => startOfDay('2026-06-01', 'Europe/Atlantis'), RangeError);
    assert.throws(() => localDateOf(new Date(), 'Europe/Atlantis'), RangeError);
  });
});

describe('holidays and business days', () => {
  it('Polish public holidays 2026', () => {
    for (const date of [
      '2026-01-01',
      '2026-01-06',
      '2026-04-05',
      '2026-04-06', // Easter Monday
      '2026-05-01',
      '2026-05-03',
      '2026-05-24', // Pentecost Sunday
      '2026-06-04', // Corpus Christi
      '2026-08-15',
      '2026-11-01',
      '2026-11-11',
      '2026-12-24', // Wigilia, a public holiday since 2025
      '2026-12-25',
      '2026-12-26',
    ]) {
      assert.equal(pl.isHoliday(date), true, date);
    }
    assert.equal(pl.holidayName('2026-11-11'), 'Narodowe Święto Niepodległości');
    assert.equal(pl.holidayName('2026-04-06'), 'Drugi dzień Wielkanocy');
  });

  it('Polish observances and school days are business days', () => {
    assert.equal(pl.isHoliday('2026-04-03'), false); // Good Friday: school only in PL
    assert.equal(pl.isBusinessDay('2026-04-03'), true);
    assert.equal(pl.isHoliday('2026-05-02'), false); // Flag Day: optional, and a Saturday
    assert.equal(pl.isBusinessDay('2026-05-26'), true); // Mother's Day observance
    assert.equal(pl.holidayName('2026-05-26'), null);
    assert.equal(pl.isHoliday('2024-12-24'), false); // Wigilia became a holiday in 2025
    assert.equal(pl.isHoliday('2025-12-24'), true);
  });

  it('Czech public holidays 2026', () => {
    for (const date of [
      '2026-04-03',
      '2026-04-06',
      '2026-05-08',
      '2026-07-05',
      '2026-07-06',
      '2026-09-28',
      '2026-10-28',
      '2026-11-17',
      '2026-12-24',
    ]) {
      assert.equal(cz.isHoliday(date), true, date);
    }
    assert.equal(cz.holidayName('2026-07-06'), 'Den upálení mistra Jana Husa');
    assert.equal(cz.isBusinessDay('2026-07-06'), false); // Monday
    assert.equal(cz.isBusinessDay('2026-09-28'), false); // Monday
    assert.equal(cz.isHoliday('2026-11-11'), false);
    assert.equal(cz.isBusinessDay('2026-11-11'), true);
    assert.equal(pl.isBusinessDay('2026-07-06'), true);
  });

  it("'none' has no holidays, only weekends", () => {
    assert.equal(none.isHoliday('2026-12-25'), false);
    assert.equal(none.holidayName('2026-12-25'), null);
    assert.equal(none.isBusinessDay('2026-12-25'), true);
    assert.equal(none.isBusinessDay('2026-12-26'), false);
  });

  it('QU BIL 07: an invoice issued Fri 2026-05-15 is deemed delivered Mon 2026-05-18 (CZ)', () => {
    const deemed = cz.nextBusinessDay('2026-05-15');
    assert.equal(deemed, '2026-05-18');
    const due = addDays('2026-05-15', 14);
    assert.equal(due, '2026-05-29');
    // Proven delivery on Thu 2026-05-21 moves the due date by the same number of days.
    assert.equal(addDays(due, daysBetween(deemed, '2026-05-21')), '2026-06-01');
  });

  it('nextBusinessDay is strictly after; businessDayOnOrAfter keeps a business day', () => {
    assert.equal(pl.nextBusinessDay('2026-05-18'), '2026-05-19');
    assert.equal(pl.businessDayOnOrAfter('2026-05-18'), '2026-05-18');
    assert.equal(pl.businessDayOnOrAfter('2026-05-16'), '2026-05-18');
    // Thu 2026-12-24 (Wigilia), Fri 25, Sat 26, Sun 27 → Mon 28.
    assert.equal(pl.businessDayOnOrAfter('2026-12-24'), '2026-12-28');
    assert.equal(pl.nextBusinessDay('2026-12-23'), '2026-12-28');
    // Across a year end: Thu 2026-12-31 → Fri 2027-01-01 is a holiday → Mon 2027-01-04.
    assert.equal(pl.nextBusinessDay('2026-12-31'), '2027-01-04');
  });

  it('QU PRC 11: objections through Tue 2026-06-09, 3 CZ business days after deemed delivery Thu 2026-06-04', () => {
    const deemedDelivery = addDays('2026-06-01', 3); // QU NOT 01: 3rd day after sending
    assert.equal(deemedDelivery, '2026-06-04');
    const lastObjectionDay = cz.addBusinessDays(deemedDelivery, 3);
    assert.equal(lastObjectionDay, '2026-06-09');
    assert.equal(addDays(lastObjectionDay, 1), '2026-06-10'); // use allowed from
    assert.equal(endOfDay(lastObjectionDay, PRAGUE).toISOString(), '2026-06-09T21:59:59.999Z');
  });

  it('CM SUP 03: a ticket on Fri 2026-04-03 is answered by Wed 2026-04-08 (Easter Monday skipped)', () => {
    assert.equal(pl.addBusinessDays('2026-04-03', 2), '2026-04-08');
    assert.equal(none.addBusinessDays('2026-04-03', 2), '2026-04-07');
  });

  it('HT PRV 04: a request sent Mon 2026-06-08 is deleted by Mon 2026-06-15 (5 business days, Mon–Fri)', () => {
    assert.equal(none.addBusinessDays('2026-06-08', 5), '2026-06-15');
  });

  it('addBusinessDays counts backwards and treats 0 as the day itself', () => {
    assert.equal(pl.addBusinessDays('2026-05-16', 0), '2026-05-16');
    assert.equal(pl.addBusinessDays('2026-04-07', -1), '2026-04-03');
    assert.equal(cz.addBusinessDays('2026-07-07', -1), '2026-07-03');
  });

  it('businessDaysBetween counts (a, b] and inverts addBusinessDays', () => {
    assert.equal(pl.businessDaysBetween('2026-04-03', '2026-04-08'), 2);
    assert.equal(pl.businessDaysBetween('2026-04-08', '2026-04-03'), -2);
    assert.equal(pl.businessDaysBetween('2026-05-18', '2026-05-18'), 0);
    // Backwards the earlier end is counted: Sat → Fri is one business day back.
    assert.equal(pl.businessDaysBetween('2026-05-16', '2026-05-15'), -1);
    assert.equal(pl.businessDaysBetween('2026-05-15', '2026-05-16'), 0);
    assert.equal(cz.businessDaysBetween('2026-06-04', '2026-06-09'), 3);
    // 2026 has 261 weekdays; PL public holidays on weekdays: 1.1, 6.1, 6.4, 1.5, 4.6, 11.11, 24.12, 25.12 = 8.
    assert.equal(none.businessDaysBetween('2025-12-31', '2026-12-31'), 261);
    assert.equal(pl.businessDaysBetween('2025-12-31', '2026-12-31'), 253);
    for (const calendar of [pl, cz, none]) {
      for (let start = '2025-12-20'; start < '2026-01-20'; start = addDays(start, 1)) {
        for (const n of [0, 1, 2, 3, 5, 10, 40, 300, -1, -7, -30]) {
          assert.equal(
            calendar.businessDaysBetween(start, calendar.addBusinessDays(start, n)),
            n,
            `${calendar.kind} ${start} ${n}`,
          );
        }
      }
    }
  });

  it('shares one calendar per kind', () => {
    assert.equal(makeBusinessCalendar('PL'), pl);
    assert.throws(() => makeBusinessCalendar('DE' as 'PL'), /unknown business calendar/);
  });
});

describe('catalog day counting', () => {
  it('QU BIL 01: registration 2026-03-02 → Trial through 2026-03-16 23:59 Prague, "Trial ended" from 2026-03-17 00:00', () => {
    const trial = windowEnd('2026-03-02', 14, PRAGUE);
    assert.equal(trial.lastDay, '2026-03-16');
    assert.equal(trial.endsAt.toISOString(), '2026-03-16T22:59:59.999Z');
    const switchDay = afterWindow('2026-03-02', 14);
    assert.equal(switchDay, '2026-03-17');
    assert.equal(startOfDay(switchDay, PRAGUE).toISOString(), '2026-03-16T23:00:00.000Z');
    assert.equal(startOfDay(switchDay, PRAGUE).getTime(), trial.endsAt.getTime() + 1);
  });

  it('CM LIF 19: account created 2026-05-04 → withdrawal until 2026-05-18 23:59:59 Warsaw', () => {
    const deadline = customerDeadline('2026-05-04', 14, WARSAW, 'PL');
    assert.equal(deadline.lastDay, '2026-05-18');
    assert.ok(new Date('2026-05-18T23:50:00+02:00') <= deadline.endsAt);
    assert.ok(new Date('2026-05-19T00:10:00+02:00') > deadline.endsAt);
  });

  it('CM LIF 19: created 2026-05-02, the deadline 2026-05-16 (Saturday) moves to Mon 2026-05-18', () => {
    const deadline = customerDeadline('2026-05-02', 14, WARSAW, pl);
    assert.equal(deadline.nominalLastDay, '2026-05-16');
    assert.equal(deadline.lastDay, '2026-05-18');
    assert.equal(deadline.endsAt.toISOString(), '2026-05-18T21:59:59.999Z');
  });

  it('a customer deadline on a Polish holiday moves past it; a provider deadline does not', () => {
    // 2026-10-28 + 14 = Wed 2026-11-11, Independence Day.
    assert.equal(customerDeadline('2026-10-28', 14, WARSAW, 'PL').lastDay, '2026-11-12');
    assert.equal(customerDeadline('2026-10-28', 14, WARSAW, 'none').lastDay, '2026-11-11');
    assert.equal(providerDeadline('2026-10-28', 14, WARSAW).lastDay, '2026-11-11');
    // 2026-12-10 + 14 = Thu 2026-12-24, Wigilia → Mon 2026-12-28.
    assert.equal(customerDeadline('2026-12-10', 14, WARSAW, 'PL').lastDay, '2026-12-28');
  });

  it('BK CMP 02: a complaint delivered 2026-05-04 is decided by 2026-05-18, escalated on 2026-05-16', () => {
    const decision = providerDeadline('2026-05-04', 14, WARSAW);
    assert.equal(decision.lastDay, '2026-05-18');
    assert.equal(decision.endsAt.toISOString(), '2026-05-18T21:59:59.999Z');
    assert.equal(addDays(decision.lastDay, -2), '2026-05-16');
    // A provider deadline on a Saturday stays there.
    assert.equal(providerDeadline('2026-05-02', 14, WARSAW).lastDay, '2026-05-16');
  });

  it('CM PRV 03: received 2026-01-31 → due 2026-02-28, not 2026-03-02', () => {
    assert.equal(calendarMonthOrDays('2026-01-31', 30, 1), '2026-02-28');
    assert.equal(addDays('2026-01-31', 30), '2026-03-02');
  });

  it('CM PRV 03: received 2026-04-10 → due 2026-05-10', () => {
    assert.equal(calendarMonthOrDays('2026-04-10', 30, 1), '2026-05-10');
    assert.equal(calendarMonthOrDays('2026-03-01', 30, 1), '2026-03-31'); // 30 days is earlier than 1 April
  });

  it('QU PRC 12 and QU PRC 13: 30-day counts', () => {
    assert.equal(providerDeadline('2026-09-30', 30, PRAGUE).lastDay, '2026-10-30');
    assert.equal(addDays('2026-05-04', 30), '2026-06-03');
  });

  it('QU BIL 06: first invoice by 2026-03-14, the 2026-04-01 invoice due 2026-04-15', () => {
    assert.equal(providerDeadline('2026-03-11', 3, PRAGUE).lastDay, '2026-03-14');
    assert.equal(addDays('2026-04-01', 14), '2026-04-15');
  });

  it('QU PRC 06 and QU PRC 07: hour deadlines run from the recorded timestamp', () => {
    assert.equal(
      hourDeadline(new Date('2026-04-07T10:00:00+02:00'), 72).toISOString(),
      new Date('2026-04-10T10:00:00+02:00').toISOString(),
    );
    assert.equal(
      hourDeadline(new Date('2026-05-11T09:00:00+02:00'), 24).toISOString(),
      new Date('2026-05-12T09:00:00+02:00').toISOString(),
    );
    // Elapsed hours: across the spring-forward night, 24 h later is 11:00 local.
    assert.equal(
      hourDeadline(new Date('2026-03-28T10:00:00+01:00'), 24).toISOString(),
      '2026-03-29T09:00:00.000Z',
    );
    assert.throws(() => hourDeadline(new Date('2026-03-28T10:00:00Z'), -1), RangeError);
  });

  it('afterWindow is the day after the window', () => {
    assert.equal(afterWindow('2026-06-30', 30), '2026-07-31');
    assert.equal(afterWindow('2026-06-30', 0), '2026-07-01');
    assert.throws(() => windowEnd('2026-06-30', -1, WARSAW), RangeError);
  });
});
