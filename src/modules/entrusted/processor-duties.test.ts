import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPreset } from '../../policy/index.ts';
import {
  deletionDueOn,
  dpaState,
  formPublishProblem,
  instructionVerdict,
  integrationMayTransfer,
} from './processor-duties.ts';

describe('processor duties', () => {
  it('QU-PRC-01: concluded 2026-03-04 and ended 2026-09-30, the agreement is active until 2026-09-30, deleting afterwards, closed only once the certificate is stored', () => {
    const facts = { concludedOn: '2026-03-04', contractEndsOn: null, deletionCertifiedOn: null };
    assert.equal(dpaState(facts, '2026-03-03'), 'none');
    assert.equal(dpaState(facts, '2026-03-04'), 'active', 'concluded with the contract');
    const ended = { ...facts, contractEndsOn: '2026-09-30' };
    assert.equal(dpaState(ended, '2026-09-30'), 'active');
    assert.equal(dpaState(ended, '2026-10-01'), 'deleting');
    assert.equal(deletionDueOn(ended, loadPreset('quanda').processor.deletionAfterEndDays!), '2026-10-30');
    // Not closed by the passing of time: still deleting on 2026-11-15 without a certificate.
    assert.equal(dpaState(ended, '2026-11-15'), 'deleting');
    const certified = { ...ended, deletionCertifiedOn: '2026-10-20' };
    assert.equal(dpaState(certified, '2026-10-19'), 'deleting');
    assert.equal(dpaState(certified, '2026-10-20'), 'closed');
  });

  it('QU-PRC-04: an instruction e-mail of 2026-04-02 from an address not in the register is unverified and not executed', () => {
    const register = ['dpo@customer.cz', 'Jana.Novakova@customer.cz'];
    const mail = { channel: 'email' as const, from: 'someone@gmail.com', extendsPurpose: true };
    assert.deepEqual(instructionVerdict(mail, register), {
      verdict: 'unverified',
      execute: false,
      clause: 'QU-PRC-04',
    });
    assert.equal(
      instructionVerdict({ ...mail, from: 'jana.novakova@customer.cz' }, register).verdict,
      'accepted',
    );
    assert.equal(
      instructionVerdict({ ...mail, channel: 'phone', from: 'dpo@customer.cz' }, register).verdict,
      'not_written',
      'a purpose extension by phone is not in writing',
    );
  });

  it('CM-PRC-05: a form with a "health condition" field added 2026-03-03 publishes only after the declaration is stored', () => {
    const fields = [
      { label: 'E-mail', sensitive: null },
      { label: 'Health condition', sensitive: 'special_category' as const },
    ];
    const at = new Date('2026-03-03T12:00:00+01:00');
    assert.deepEqual(formPublishProblem(fields, null, at), {
      problem: 'declaration_required',
      fields: ['Health condition'],
      clause: 'CM-PRC-05',
    });
    const half = {
      hasBasis: true,
      measuresSufficient: false,
      recordedAt: new Date('2026-03-03T11:00:00+01:00'),
    };
    assert.notEqual(formPublishProblem(fields, half, at), null, 'both statements are needed');
    const declared = { ...half, measuresSufficient: true };
    assert.equal(formPublishProblem(fields, declared, at), null);
    assert.notEqual(formPublishProblem(fields, declared, new Date('2026-03-03T10:59:00+01:00')), null);
    assert.equal(formPublishProblem([fields[0]!], null, at), null, 'ordinary fields need no declaration');
  });

  it('CM-PRC-08: a CRM integration switched off on 2026-05-05 at 12:00 moves no data after 12:00', () => {
    const switches = [
      { on: true, at: new Date('2026-04-01T09:00:00+02:00') },
      { on: false, at: new Date('2026-05-05T12:00:00+02:00') },
    ];
    assert.equal(
      integrationMayTransfer(switches, new Date('2026-03-31T09:00:00+02:00')),
      false,
      'not yet on',
    );
    assert.equal(integrationMayTransfer(switches, new Date('2026-05-05T11:59:59+02:00')), true);
    assert.equal(integrationMayTransfer(switches, new Date('2026-05-05T12:00:00+02:00')), false);
    assert.equal(integrationMayTransfer(switches, new Date('2026-05-06T08:00:00+02:00')), false);
  });
});
