import {
  bannerConfig,
  type ConsentChoice,
  type CookiesDeps,
  listConsents,
  recordConsent,
} from './cookie-consents.ts';

export { allowedOrigins, anonymiseIp, type BannerConfig } from './consent-rules.ts';
export type { ConsentChoice, ConsentRecord, CookiesDeps } from './cookie-consents.ts';
export { cookiesErrors } from './cookies-errors.ts';

export type Cookies = ReturnType<typeof makeCookies>;

/**
 * The website cookie banner: its configuration from the policy, and the consent ledger of the visitors'
 * choices (CM-CKE-01..07, BK-CNS-01, HT-CNS-01). The banner script and its HTTP API are in cookies-routes.ts.
 */
export function makeCookies(deps: CookiesDeps) {
  return {
    config: (site: string) => bannerConfig(deps, site),
    record: (choice: ConsentChoice, client: { ip: string | null; userAgent: string | null }) =>
      recordConsent(deps, choice, client),
    list: (filter: Parameters<typeof listConsents>[1]) => listConsents(deps, filter),
    policy: () => deps.current().policy,
  };
}
