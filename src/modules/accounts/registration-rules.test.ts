import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPreset } from '../../policy/index.ts';
import { checkRegistration, customerIdentityOf, type RegistrationInput } from './registration-rules.ts';

const clickmeeting = loadPreset('clickmeeting');
const myownconference = loadPreset('myownconference');

const company = { name: 'Alfa  sp. z o.o. ', taxId: '526-025-02-74', country: 'PL' };
const base: RegistrationInput = {
  company,
  person: { firstName: 'Anna', lastName: 'Nowak' },
  email: ' Anna@Alfa.example ',
  phone: '+48 600-100-200',
  password: 'correct horse battery',
  declarations: { business: true, adult: true },
  acceptedDocuments: clickmeeting.documents
    .filter((d) => d.requiredAtRegistration)
    .map((d) => ({ kind: d.kind, version: d.version })),
};

describe('checkRegistration', () => {
  it('CM-ACC-07: a paid sign-up needs a paid plan; a free one needs no plan', () => {
    const cases: [Partial<RegistrationInput>, string[]][] = [
      [{}, []],
      [{ accountType: 'free' }, []],
      [{ accountType: 'paid' }, ['plan:required:CM-ACC-07']],
      [{ accountType: 'paid', plan: 'live' }, []],
      [{ accountType: 'paid', plan: 'free' }, ['plan:not_paid:CM-ACC-07']],
      [{ accountType: 'free', plan: 'live' }, ['plan:not_free:CM-ACC-07']],
      [{ plan: 'gold' }, ['plan:unknown:']],
    ];
    for (const [change, expected] of cases)
      assert.deepEqual(
        checkRegistration(clickmeeting, { ...base, ...change }).map(
          (i) => `${i.field}:${i.rule}:${i.clause ?? ''}`,
        ),
        expected,
        JSON.stringify(change),
      );
  });

  it('MOC-ACC-01: where a nickname may stand in for a name, an e-mail and a password are enough', () => {
    const minimal: RegistrationInput = {
      email: 'mk77@poczta.example',
      password: 'correct horse battery',
      person: { nickname: 'mk77' },
      acceptedDocuments: myownconference.documents.map((d) => ({ kind: d.kind, version: d.version })),
    };
    assert.deepEqual(checkRegistration(myownconference, minimal), []);
    assert.deepEqual(
      checkRegistration(clickmeeting, { ...minimal, declarations: { business: true, adult: true } }).map(
        (i) => i.field,
      ),
      ['company', 'person', 'acceptedDocuments.terms', 'acceptedDocuments.privacy', 'acceptedDocuments.dpa'],
    );
  });
});

describe('customerIdentityOf', () => {
  it('CM-ACC-03: recognises a customer by the keys the policy names, normalised', () => {
    assert.deepEqual(customerIdentityOf(base, ['email', 'tax_id', 'company_name', 'payment_fingerprint']), {
      email: 'anna@alfa.example',
      taxId: 'PL5260250274',
      companyName: 'Alfa sp. z o.o.',
      phone: null,
    });
    assert.deepEqual(customerIdentityOf(base, ['email', 'phone']), {
      email: 'anna@alfa.example',
      taxId: null,
      companyName: null,
      phone: '+48600100200',
    });
    assert.deepEqual(customerIdentityOf({ email: 'a@b.example' }, ['tax_id', 'company_name', 'phone']), {
      email: null,
      taxId: null,
      companyName: null,
      phone: null,
    });
  });
});
