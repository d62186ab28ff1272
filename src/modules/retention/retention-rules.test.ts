import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localDateOf, startOfDay } from '../../platform/calendar.ts';
import { loadPreset, type Policy, type RetentionCategory } from '../../policy/index.ts';
import {
  type AccountFacts,
  decideAccountRetention,
  itemCutoff,
  itemInScope,
  purgeTimeOf,
} from './retention-rules.ts';

const quanda = loadPreset('quanda');
const clickmeeting = loadPreset('clickmeeting');
const hosttracker = loadPreset('hosttracker');
const moc = loadPreset('myownconference');
const bookero = loadPreset('bookero');

function category(policy: Policy, id: string): RetentionCategory {
  const c = policy.retention.categories.find((x) => x.id === id);
  assert.ok(c, `category ${id}`);
  return c;
}

/** Local midnight starting `date` in the policy's zone. */
const midnight = (policy: Policy, date: string) => startOfDay(date, policy.locale.timeZone);
const day = (policy: Policy, at: Date) => localDateOf(at, policy.locale.timeZone);
/** A moment during `date`, local time. */
const during = (policy: Policy, date: string, hours = 10) =>
  new Date(midnight(policy, date).getTime() + hours * 3_600_000);

function facts(overrides: Partial<AccountFacts>): AccountFacts {
  return {
    state: 'active',
    stateSince: new Date('2020-01-01T00:00:00Z'),
    contractEndedAt: null,
    lastUseAt: null,
    paidPeriodEndedAt: null,
    ...overrides,
  };
}

function due(policy: Policy, id: string, f: AccountFacts) {
  const d = decideAccountRetention(policy, category(policy, id), f);
  assert.ok(d.due, `expected ${id} to be due, got ${JSON.stringify(d)}`);
  return d;
}

describe('retention rules: item categories (Quanda art. 6.7 table)', () => {
  it('QU-RET-04: an item that entered Ended on 2021-03-01 stays through 2026-03-01, goes on 2026-03-02, warned by 2026-01-31', () => {
    const c = category(quanda, 'campaigns_ended');
    const { purgeAt, warnAt } = purgeTimeOf(c, during(quanda, '2021-03-01', 15), quanda.locale.timeZone);
    assert.equal(purgeAt.getTime(), midnight(quanda, '2026-03-02').getTime());
    assert.ok(warnAt);
    assert.equal(day(quanda, warnAt), '2026-01-31');
    // The cut-off the item handlers use: on 2026-03-01 23:59 the item is not yet due, at 03-02 00:00 it is.
    const tz = quanda.locale.timeZone;
    const entered = during(quanda, '2021-03-01', 15);
    assert.ok(entered >= itemCutoff(c, new Date(midnight(quanda, '2026-03-02').getTime() - 1), tz));
    assert.ok(entered < itemCutoff(c, midnight(quanda, '2026-03-02'), tz));
  });

  it('QU-RET-05: a never-sent draft created on 2021-02-15 is purge-eligible on 2026-02-16; one that was sent is not covered', () => {
    const c = category(quanda, 'campaign_drafts_never_sent');
    const { purgeAt } = purgeTimeOf(c, during(quanda, '2021-02-15'), quanda.locale.timeZone);
    assert.equal(day(quanda, purgeAt), '2026-02-16');
    assert.equal(purgeAt.getTime(), midnight(quanda, '2026-02-16').getTime());
    assert.equal(itemInScope(c, { state: 'paused', everSent: false }), true);
    assert.equal(itemInScope(c, { state: 'ready_to_send', everSent: true }), false);
  });

  it('QU-RET-03: sent series and birthday campaigns in Ready to send or Paused fall under no time-based category', () => {
    const sentPaused = { state: 'paused', everSent: true };
    const covering = quanda.retention.categories.filter(
      (c) => c.trigger !== 'contract_end' && c.states && itemInScope(c, sentPaused),
    );
    assert.deepEqual(
      covering.map((c) => c.id),
      [],
      'no category purges a sent, paused campaign while the contract runs',
    );
  });

  it('QU-RET-06: a transactional draft last edited on 2021-04-20 is purge-eligible on 2026-04-21', () => {
    const c = category(quanda, 'transactional_drafts');
    const { purgeAt } = purgeTimeOf(c, during(quanda, '2021-04-20'), quanda.locale.timeZone);
    assert.equal(purgeAt.getTime(), midnight(quanda, '2026-04-21').getTime());
  });

  it('QU-RET-07: an open event on 2023-05-10 is purged on 2026-05-11, not on 2026-05-10', () => {
    const c = category(quanda, 'recipient_activity');
    const tz = quanda.locale.timeZone;
    const open = during(quanda, '2023-05-10', 23);
    assert.equal(purgeTimeOf(c, open, tz).purgeAt.getTime(), midnight(quanda, '2026-05-11').getTime());
    assert.ok(open >= itemCutoff(c, during(quanda, '2026-05-10', 23), tz), 'kept on 2026-05-10');
    assert.ok(open < itemCutoff(c, midnight(quanda, '2026-05-11'), tz), 'gone on 2026-05-11');
  });

  it('QU-RET-01, QU-RET-02, QU-RET-08, QU-RET-09: contacts, companies, questionnaires and forms have no purge while the contract runs', () => {
    // Entrusted data of a Quanda account created in 2018 whose contract still runs on 2026-06-01: only
    // the contract-end categories cover the whole store, and none of them has a trigger yet.
    const running = facts({
      state: 'active',
      stateSince: during(quanda, '2018-05-01'),
      lastUseAt: during(quanda, '2026-05-31'),
    });
    const accountLevel = quanda.retention.categories.filter(
      (c) => (c.data ?? []).includes('entrusted') && c.trigger !== 'event_date',
    );
    assert.ok(accountLevel.length > 0);
    for (const c of accountLevel) {
      const d = decideAccountRetention(quanda, c, running);
      assert.equal(d.due, false, `${c.id} must not purge entrusted data of a running contract`);
    }
    // The only item-level category over entrusted data is activity (QU-RET-07), not contacts or forms.
    const itemLevel = quanda.retention.categories.filter(
      (c) => (c.data ?? []).includes('entrusted') && c.trigger === 'event_date',
    );
    assert.deepEqual(
      itemLevel.map((c) => c.id),
      ['recipient_activity'],
    );
  });
});

describe('retention rules: account categories', () => {
  it('QU-LIF-09, QU-PRC-12: a subscription ending 2026-06-30 has its content purged by 2026-07-30', () => {
    const ended = midnight(quanda, '2026-07-01'); // access ends at the midnight after the last day
    const d = due(
      quanda,
      'customer_content',
      facts({ state: 'terminated', stateSince: ended, contractEndedAt: ended }),
    );
    assert.equal(d.purgeAt.getTime(), midnight(quanda, '2026-07-30').getTime());
    assert.equal(d.clause, 'QU-LIF-09');
  });

  it('QU-LIF-07: a Trial closed on 2026-03-08 is purged by 2026-04-07', () => {
    const closed = during(quanda, '2026-03-08', 14);
    const d = due(
      quanda,
      'customer_content',
      facts({ state: 'terminated', stateSince: closed, contractEndedAt: closed }),
    );
    assert.equal(day(quanda, d.purgeAt), '2026-04-07');
  });

  it('QU-PRV-01: the identification record of a service ending 2026-06-30 is kept until 2036-06-30 and purged on 2036-07-01', () => {
    const ended = midnight(quanda, '2026-07-01');
    const d = due(
      quanda,
      'registration_identity',
      facts({ state: 'terminated', stateSince: ended, contractEndedAt: ended }),
    );
    assert.equal(d.purgeAt.getTime(), midnight(quanda, '2036-07-01').getTime());
  });

  it('QU-CNS-02: a last use on 2026-06-30 removes the address from the marketing list on 2029-07-01', () => {
    const d = due(quanda, 'marketing_email', facts({ lastUseAt: during(quanda, '2026-06-30', 18) }));
    assert.equal(d.purgeAt.getTime(), midnight(quanda, '2029-07-01').getTime());
  });

  it('CM-PRC-02, CM-LIF-13: entrusted data of an account liquidated on 2026-03-01 exist on 2026-03-31 and go on 2026-04-01', () => {
    const liquidated = midnight(clickmeeting, '2026-03-01');
    const d = due(
      clickmeeting,
      'entrusted_data_liquidated',
      facts({ state: 'liquidated', stateSince: liquidated, contractEndedAt: liquidated }),
    );
    assert.equal(d.purgeAt.getTime(), midnight(clickmeeting, '2026-04-01').getTime());
    assert.equal(d.clause, 'CM-PRC-02');
  });

  it('CM-LIF-03: an account expired on 2026-04-01 is purged on 2026-07-01; CM-LIF-08: expired 2026-06-14 → purged 2026-09-13', () => {
    const expired = midnight(clickmeeting, '2026-04-01');
    assert.equal(
      due(
        clickmeeting,
        'entrusted_data_expired',
        facts({ state: 'expired', stateSince: expired }),
      ).purgeAt.getTime(),
      midnight(clickmeeting, '2026-07-01').getTime(),
    );
    const afterSuspension = during(clickmeeting, '2026-06-14', 9);
    assert.equal(
      day(
        clickmeeting,
        due(clickmeeting, 'entrusted_data_expired', facts({ state: 'expired', stateSince: afterSuspension }))
          .purgeAt,
      ),
      '2026-09-13',
    );
    // Not due while the account is not (or no longer) expired.
    assert.equal(
      decideAccountRetention(
        clickmeeting,
        category(clickmeeting, 'entrusted_data_expired'),
        facts({ state: 'active' }),
      ).due,
      false,
    );
  });

  it('CM-PRV-10: client data are anonymised at once when the account is purged, keeping the listed fields', () => {
    const purged = midnight(clickmeeting, '2026-07-01');
    const c = category(clickmeeting, 'client_account_data');
    const d = due(
      clickmeeting,
      'client_account_data',
      facts({ state: 'purged', stateSince: purged, contractEndedAt: purged }),
    );
    assert.equal(d.purgeAt.getTime(), purged.getTime());
    assert.equal(c.action, 'anonymise');
    assert.deepEqual(c.keepFields, ['first_name', 'last_name', 'email', 'usage_history', 'consent_log']);
  });

  it('HT-PRV-01: a Trial that expired on 2026-02-14 has its data deleted by 2026-05-14, not before', () => {
    const expired = midnight(hosttracker, '2026-02-14');
    const d = due(hosttracker, 'trial_account_data', facts({ state: 'trial_ended', stateSince: expired }));
    assert.equal(d.purgeAt.getTime(), midnight(hosttracker, '2026-05-14').getTime());
  });

  it('HT-PRV-02: paid through 2026-03-31 → kept until 2028-03-31, deleted on 2028-04-01', () => {
    const paidEnd = midnight(hosttracker, '2026-04-01');
    const d = due(hosttracker, 'paid_account_data', facts({ paidPeriodEndedAt: paidEnd }));
    assert.equal(d.purgeAt.getTime(), midnight(hosttracker, '2028-04-01').getTime());
  });

  it('HT-PRV-03: a free account unused since 2024-05-01 is asked to confirm on 2026-05-01 (review, not deletion)', () => {
    const c = category(hosttracker, 'free_account_data');
    const d = due(
      hosttracker,
      'free_account_data',
      facts({ state: 'free', lastUseAt: during(hosttracker, '2024-04-30', 12) }),
    );
    assert.equal(d.purgeAt.getTime(), midnight(hosttracker, '2026-05-01').getTime());
    assert.equal(c.action, 'review');
  });

  it('MOC-LIF-02: last use 2026-01-15 and contract end 2026-02-01 → purged by 2026-07-14; not while the contract runs', () => {
    const lastUse = during(moc, '2026-01-15', 11);
    const ended = midnight(moc, '2026-02-01');
    const d = due(
      moc,
      'account_personal_data',
      facts({ state: 'terminated', lastUseAt: lastUse, contractEndedAt: ended }),
    );
    assert.equal(d.purgeAt.getTime(), midnight(moc, '2026-07-14').getTime());
    const running = decideAccountRetention(
      moc,
      category(moc, 'account_personal_data'),
      facts({ lastUseAt: lastUse }),
    );
    assert.deepEqual(running, { due: false, because: 'contract_running' });
    // A contract ending after last use + 180 days: the purge waits for the end (the later of the two).
    const late = midnight(moc, '2026-09-01');
    assert.equal(
      due(
        moc,
        'account_personal_data',
        facts({ state: 'terminated', lastUseAt: lastUse, contractEndedAt: late }),
      ).purgeAt.getTime(),
      late.getTime(),
    );
  });

  it('MOC-LIF-01: webinar data go at once when the contract ends; BK-LIF-06: account data go at deletion', () => {
    const at = during(moc, '2026-05-06', 10);
    assert.equal(
      due(
        moc,
        'webinar_data',
        facts({ state: 'purged', stateSince: at, contractEndedAt: at }),
      ).purgeAt.getTime(),
      at.getTime(),
    );
    const bkAt = during(bookero, '2026-07-02', 9);
    assert.equal(
      due(
        bookero,
        'account_data',
        facts({ state: 'purged', stateSince: bkAt, contractEndedAt: bkAt }),
      ).purgeAt.getTime(),
      bkAt.getTime(),
    );
  });

  it('BK-PRC-08: entrusted data of services ending 2026-09-30 are deleted by 2026-10-30', () => {
    const ended = midnight(bookero, '2026-10-01');
    const d = due(
      bookero,
      'entrusted_client_data',
      facts({ state: 'terminated', stateSince: ended, contractEndedAt: ended }),
    );
    assert.equal(day(bookero, d.purgeAt), '2026-10-30');
  });

  it('accounting records count from the end of the invoice year (tax law, seed silent)', () => {
    const c = category(clickmeeting, 'accounting_records');
    const issued = during(clickmeeting, '2026-03-10');
    assert.equal(
      purgeTimeOf(c, issued, clickmeeting.locale.timeZone).purgeAt.getTime(),
      midnight(clickmeeting, '2032-01-01').getTime(),
    );
  });
});
