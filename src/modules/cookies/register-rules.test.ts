import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPreset, PolicyError, parsePolicy } from '../../policy/index.ts';
import { cookieExpiresOn, cookieSettingProblems } from './register-rules.ts';

const moc = loadPreset('myownconference');

describe('cookie register rules', () => {
  it('MOC CNS 01 (the rule; its check at policy load is tested in test/privacy-clauses.test.ts): the panel cookie last used on 2026-03-10 expires on 2026-04-09; the website sets none', () => {
    const panel = moc.cookies.register.find((entry) => entry.name === 'moc_panel_session');
    assert.ok(panel);
    assert.equal(cookieExpiresOn(panel, '2026-03-10'), '2026-04-09');
    // Using the panel again moves the expiry: it counts from the last use.
    assert.equal(cookieExpiresOn(panel, '2026-04-08'), '2026-05-08');
    assert.deepEqual(cookieSettingProblems(moc.cookies), []);

    // A banner for the cookieless website, or an analytics cookie in the register, breaks the promise.
    const broken = structuredClone(moc.cookies);
    broken.categories.push({ ...broken.categories[0]!, id: 'analytics', strictlyNecessary: false });
    broken.register.push({ ...panel, name: '_ga', category: 'analytics', lifetimeCountsFrom: 'set' });
    broken.banner = structuredClone(loadPreset('hosttracker').cookies.banner);
    assert.deepEqual(cookieSettingProblems(broken), [
      { problem: 'banner_on_cookieless_site' },
      { problem: 'non_essential_cookie', name: '_ga', category: 'analytics' },
    ]);
    // A website that does set cookies is governed by its banner instead.
    assert.deepEqual(cookieSettingProblems({ ...broken, websiteSetsCookies: true }), []);
  });

  it('a session cookie has no expiry day: it ends with the browser session', () => {
    const session = loadPreset('hosttracker').cookies.register.find((entry) => entry.name === 'ht_session');
    assert.ok(session);
    assert.equal(cookieExpiresOn(session, '2026-03-01'), null);
  });

  it('MOC-CNS-02: a register entry with an empty name (as in the seed table) blocks the policy from loading', () => {
    const unnamed = structuredClone(moc);
    unnamed.cookies.register[0]!.name = '';
    assert.throws(
      () => parsePolicy(JSON.stringify(unnamed), 'json', 'myownconference.json'),
      (error: unknown) =>
        error instanceof PolicyError &&
        error.issues.some((issue) => issue.path.replace(/\[(\d+)\]/g, '.$1') === 'cookies.register.0.name'),
    );
    // Lifetime and purpose are required too: neither may be left out of an entry.
    for (const field of ['lifetimeDays', 'purpose'] as const) {
      const incomplete = structuredClone(moc) as unknown as {
        cookies: { register: Record<string, unknown>[] };
      };
      delete incomplete.cookies.register[0]![field];
      assert.throws(
        () => parsePolicy(JSON.stringify(incomplete), 'json', 'myownconference.json'),
        PolicyError,
      );
    }
    assert.doesNotThrow(() => parsePolicy(JSON.stringify(moc), 'json', 'myownconference.json'));
  });
});
