import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ContactBasis,
  contactStanding,
  lapsedQueue,
  mayProcess,
  profilingRefusal,
} from './contact-basis.ts';

const base: ContactBasis = { basis: 'consent', consentExpiresOn: null, objectedOn: null, restrictedOn: null };

describe('contact basis rules', () => {
  it('QU-PRC-15: contact D whose consent expires on 2026-06-30 is excluded from sends and queued for deletion from 2026-07-01', () => {
    const d = { ...base, id: 'D', consentExpiresOn: '2026-06-30' };
    const e = { ...base, id: 'E', basis: 'contract' as const };
    assert.equal(mayProcess(d, 'send', '2026-06-30'), true);
    assert.deepEqual(lapsedQueue([d, e], '2026-06-30'), []);
    assert.equal(mayProcess(d, 'send', '2026-07-01'), false);
    assert.equal(mayProcess(d, 'profiling', '2026-07-01'), false);
    assert.equal(mayProcess(d, 'storage', '2026-07-01'), true, 'kept until the customer deletes it');
    assert.deepEqual(lapsedQueue([e, d], '2026-07-01'), [
      { id: 'D', since: '2026-07-01', reason: 'consent_expired' },
    ]);
    assert.equal(mayProcess(e, 'send', '2026-07-01'), true);
  });

  it('QU-PRC-15: an objection ends any basis on its day, before a later consent expiry', () => {
    const f = { ...base, id: 'F', basis: 'legitimate_interest' as const, objectedOn: '2026-05-12' };
    const g = { ...base, id: 'G', consentExpiresOn: '2026-12-31', objectedOn: '2026-05-20' };
    assert.equal(contactStanding(f, '2026-05-11').standing, 'active');
    assert.deepEqual(lapsedQueue([g, f], '2026-05-20'), [
      { id: 'F', since: '2026-05-12', reason: 'objection' },
      { id: 'G', since: '2026-05-20', reason: 'objection' },
    ]);
    // A consent expiry only applies to a consent basis.
    const h = { ...base, id: 'H', basis: 'contract' as const, consentExpiresOn: '2026-01-31' };
    assert.equal(contactStanding(h, '2026-07-01').standing, 'active');
  });

  it('QU-PRC-08: contact C found justified on 2026-05-05 is restricted that day and left out of the 2026-05-06 campaign', () => {
    const c = { ...base, basis: 'contract' as const, restrictedOn: '2026-05-05' };
    assert.equal(
      mayProcess(c, 'send', '2026-05-04'),
      true,
      'the request alone, received 2026-05-04, restricts nothing',
    );
    assert.deepEqual(contactStanding(c, '2026-05-05'), {
      standing: 'restricted',
      since: '2026-05-05',
      clause: 'QU-PRC-08',
    });
    for (const processing of ['send', 'profiling', 'export', 'edit'] as const) {
      assert.equal(mayProcess(c, processing, '2026-05-06'), false, processing);
    }
    assert.equal(mayProcess(c, 'storage', '2026-05-06'), true);
    assert.deepEqual(lapsedQueue([{ ...c, id: 'C' }], '2026-05-06'), [], 'restricted is not deleted');
  });

  it('QU-PRC-14: lead scoring enabled on 2026-04-15 without a recorded basis is refused', () => {
    assert.deepEqual(profilingRefusal(null, '2026-04-15'), {
      reason: 'no_profiling_basis',
      clause: 'QU-PRC-14',
    });
    const later = { basis: 'consent' as const, recordedOn: '2026-04-16' };
    assert.notEqual(profilingRefusal(later, '2026-04-15'), null, 'a basis recorded later does not count');
    assert.equal(profilingRefusal(later, '2026-04-16'), null);
    assert.equal(
      profilingRefusal({ basis: 'legitimate_interest', recordedOn: '2026-04-01' }, '2026-04-15'),
      null,
    );
  });
});
