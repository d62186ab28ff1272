import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPreset, Policy } from '../../policy/index.ts';
import { anonymiseIp, bannerBootOf, bannerConfigOf, checkChoice, ledgerChange } from './consent-rules.ts';

const clickmeeting = loadPreset('clickmeeting');
const config = bannerConfigOf(clickmeeting, 'clickmeeting@1.0#abc', 'www')!;

describe('cookie consent rules', () => {
  it('anonymises IPv4 by zeroing the last octet and IPv6 by zeroing the last 80 bits', () => {
    const cases: [string | null, string | null][] = [
      ['203.0.113.77', '203.0.113.0'],
      ['10.1.2.3', '10.1.2.0'],
      ['::ffff:198.51.100.200', '198.51.100.0'],
      ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
      ['2001:db8::1', '2001:db8::'],
      ['2001:0DB8:0000:0001:0000:0000:0000:0001', '2001:db8::'],
      ['fe80::', 'fe80::'],
      ['::1', '::'],
      ['not an address', null],
      [null, null],
    ];
    for (const [ip, expected] of cases) assert.equal(anonymiseIp(ip), expected, String(ip));
  });

  it('CM-CKE-01: the ClickMeeting banner asks about analytics and advertising only; three purposes are strictly necessary', () => {
    assert.deepEqual(
      config.categories.map((c) => [c.id, c.strictlyNecessary]),
      [
        ['authorisation', true],
        ['service_configuration', true],
        ['interface_language', true],
        ['analytics', false],
        ['advertising', false],
      ],
    );
    assert.equal(config.cookiePolicyVersion, '2022-12-15');
    assert.deepEqual(config.consentCookie, { name: 'cm_consent', days: 180 });
  });

  it('CM-CKE-03: vendors (Hotjar) are listed with their category, with the industry opt-out pages', () => {
    const analytics = config.categories.find((c) => c.id === 'analytics')!;
    assert.deepEqual(analytics.vendors, [
      { name: 'Hotjar Ltd.', location: 'MT', privacyUrl: 'https://www.hotjar.com/privacy', optOutUrl: null },
    ]);
    assert.deepEqual(config.optOutUrls, [
      'http://www.aboutads.info/choices',
      'http://www.youronlinechoices.eu/',
      'https://optout.networkadvertising.org/',
    ]);
  });

  it('Consent Mode v2 defaults: the four v2 signals denied, strictly necessary signals granted', () => {
    const boot = bannerBootOf(clickmeeting)!;
    assert.deepEqual(boot.consentMode, {
      ad_storage: 'denied',
      ad_user_data: 'denied',
      ad_personalization: 'denied',
      analytics_storage: 'denied',
      security_storage: 'granted',
      functionality_storage: 'granted',
    });
    assert.deepEqual(boot.categories, ['analytics', 'advertising']);
    assert.deepEqual(boot.signals, {
      analytics: ['analytics_storage'],
      advertising: ['ad_storage', 'ad_user_data', 'ad_personalization'],
    });
    assert.equal(bannerBootOf(loadPreset('bookero'))!.consentMode, null);
    assert.equal(bannerBootOf(loadPreset('quanda')), null);
  });

  it('a choice must answer every category that needs consent, once, and never deny a necessary one', () => {
    const ok = { action: 'custom' as const, granted: ['analytics'], denied: ['advertising'] };
    assert.equal(checkChoice(config, ok), null);
    assert.equal(
      checkChoice(config, { action: 'reject_all', granted: [], denied: ['analytics', 'advertising'] }),
      null,
    );
    assert.deepEqual(checkChoice(config, { action: 'custom', granted: ['analytics'], denied: [] }), {
      problem: 'category_missing',
      category: 'advertising',
    });
    assert.deepEqual(
      checkChoice(config, {
        action: 'custom',
        granted: ['analytics', 'advertising'],
        denied: ['authorisation'],
      }),
      { problem: 'necessary_denied', category: 'authorisation' },
    );
    assert.deepEqual(
      checkChoice(config, { action: 'custom', granted: ['analytics', 'tracking'], denied: ['advertising'] }),
      { problem: 'unknown_category', category: 'tracking' },
    );
    assert.deepEqual(
      checkChoice(config, { action: 'custom', granted: ['analytics'], denied: ['advertising', 'analytics'] }),
      { problem: 'category_twice', category: 'analytics' },
    );
    assert.deepEqual(
      checkChoice(config, { action: 'reject_all', granted: ['analytics'], denied: ['advertising'] }),
      {
        problem: 'action_mismatch',
        action: 'reject_all',
      },
    );
    assert.deepEqual(
      checkChoice(config, { action: 'accept_all', granted: ['analytics'], denied: ['advertising'] }),
      {
        problem: 'action_mismatch',
        action: 'accept_all',
      },
    );
  });

  it('CM-CKE-07: the ledger says which purposes a choice gave and withdrew; a new wording gives anew', () => {
    assert.deepEqual(ledgerChange(null, { granted: ['analytics'], cookiePolicyVersion: 'v1' }), {
      given: ['analytics'],
      withdrawn: [],
    });
    const before = { granted: ['analytics', 'advertising'], cookiePolicyVersion: 'v1' };
    assert.deepEqual(ledgerChange(before, { granted: ['advertising'], cookiePolicyVersion: 'v1' }), {
      given: [],
      withdrawn: ['analytics'],
    });
    assert.deepEqual(ledgerChange(before, { granted: ['advertising'], cookiePolicyVersion: 'v2' }), {
      given: ['advertising'],
      withdrawn: ['analytics'],
    });
  });

  it('the policy refuses a banner whose consent cookie is undeclared, or a v2 signal on a necessary category', () => {
    const broken = structuredClone(clickmeeting);
    broken.cookies.banner!.consentCookie = 'undeclared';
    broken.cookies.categories[0]!.consentModeSignals = ['ad_storage'];
    broken.cookies.categories[4]!.consentModeSignals = ['ad_storage'];
    const result = Policy.safeParse(broken);
    assert.equal(result.success, false);
    const paths = result.error!.issues.map((issue) => issue.path.join('.'));
    assert.ok(paths.includes('cookies.banner.consentCookie'), paths.join(', '));
    assert.ok(paths.includes('cookies.categories.0.consentModeSignals.0'), paths.join(', '));
    assert.ok(paths.includes('cookies.categories.4.consentModeSignals.0'), paths.join(', '));
    const noBanner = structuredClone(clickmeeting);
    noBanner.cookies.banner = null;
    assert.ok(
      Policy.safeParse(noBanner).error?.issues.some((issue) => issue.path.join('.') === 'cookies.banner'),
    );
  });
});
