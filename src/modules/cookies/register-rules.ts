/**
 * Pure rules of the published cookie register: when a declared cookie expires, and whether the cookie
 * settings keep the promise "the public website sets no cookies; the panel sets only strictly necessary ones"
 * (MOC-CNS-01). An unnamed register entry never gets this far: the policy schema refuses it (MOC-CNS-02).
 */
import { addDays, type LocalDate } from '../../platform/calendar.ts';
import type { Policy } from '../../policy/index.ts';

type RegisterEntry = Policy['cookies']['register'][number];

/**
 * The day a declared cookie expires: `lifetimeDays` after it was set or last used (MOC-CNS-01: 30 days from
 * the last use); null for a session cookie, which ends with the browser session.
 */
export function cookieExpiresOn(entry: RegisterEntry, setOrLastUsedOn: LocalDate): LocalDate | null {
  if (entry.lifetimeDays === null) return null;
  return addDays(setOrLastUsedOn, entry.lifetimeDays);
}

export type CookieSettingProblem =
  | { problem: 'banner_on_cookieless_site' }
  | { problem: 'non_essential_cookie'; name: string; category: string };

/**
 * What contradicts a policy whose public website sets no cookies (MOC-CNS-01): a banner served to that website,
 * or a register entry outside a strictly necessary category (the panel may set only session and preference
 * cookies it needs). Empty when the website sets cookies: the banner then governs them.
 */
export function cookieSettingProblems(cookies: Policy['cookies']): CookieSettingProblem[] {
  if (cookies.websiteSetsCookies) return [];
  const problems: CookieSettingProblem[] = [];
  if (cookies.banner !== null) problems.push({ problem: 'banner_on_cookieless_site' });
  const necessary = new Set(cookies.categories.filter((c) => c.strictlyNecessary).map((c) => c.id));
  for (const entry of cookies.register) {
    if (!necessary.has(entry.category)) {
      problems.push({ problem: 'non_essential_cookie', name: entry.name, category: entry.category });
    }
  }
  return problems;
}
