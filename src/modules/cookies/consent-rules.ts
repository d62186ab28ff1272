/**
 * Pure rules of the website cookie banner: what the banner is told (its configuration from the policy),
 * whether a visitor's choice is a complete and lawful answer to it, how a choice changes the consent ledger,
 * and how the visitor's IP address is anonymised before it is stored.
 */
import { isIP } from 'node:net';
import type { ConsentModeSignal, LocalizedText, Policy } from '../../policy/index.ts';

export type BannerCategory = {
  id: string;
  name: LocalizedText;
  description: LocalizedText;
  strictlyNecessary: boolean;
  consentModeSignals: ConsentModeSignal[];
  vendors: { name: string; location: string; privacyUrl: string; optOutUrl: string | null }[];
  /** What the category stores: what withdrawal deletes (CM-CKE-02). A trailing `*` is a prefix. */
  storage: { name: string; storage: string; lifetimeDays: number | null; purpose: LocalizedText }[];
};

export type BannerConfig = {
  site: string;
  policyVersionId: string;
  /** The version of the wording the visitor consents to; a new version asks every visitor again. */
  cookiePolicyVersion: string;
  privacyPolicyUrl: string | null;
  languages: ('pl' | 'en')[];
  defaultLanguage: 'pl' | 'en';
  consentCookie: { name: string; days: number };
  googleConsentMode: boolean;
  title: LocalizedText;
  intro: LocalizedText;
  optOutUrls: string[];
  categories: BannerCategory[];
};

/** The document whose version is the cookie wording's version: the cookie policy, else the privacy policy. */
export function cookiePolicyDocument(policy: Policy) {
  return (
    policy.documents.find((document) => document.kind === 'cookies') ??
    policy.documents.find((document) => document.kind === 'privacy') ??
    null
  );
}

/** The banner's configuration for one of the operator's sites; null when there is no banner or no such site. */
export function bannerConfigOf(policy: Policy, policyVersionId: string, siteId: string): BannerConfig | null {
  const { cookies } = policy;
  const banner = cookies.banner;
  const site = banner?.sites.find((candidate) => candidate.id === siteId);
  if (!banner || !site) return null;
  const consentEntry = cookies.register.find((entry) => entry.name === banner.consentCookie);
  const document = cookiePolicyDocument(policy);
  return {
    site: site.id,
    policyVersionId,
    cookiePolicyVersion: document?.version ?? policy.version,
    privacyPolicyUrl: document?.url ?? null,
    languages: policy.locale.languages,
    defaultLanguage: policy.locale.defaultLanguage,
    consentCookie: { name: banner.consentCookie, days: consentEntry?.lifetimeDays ?? 1 },
    googleConsentMode: cookies.googleConsentMode,
    title: banner.title,
    intro: banner.intro,
    optOutUrls: banner.optOutUrls,
    categories: cookies.categories.map((category) => ({
      id: category.id,
      name: category.name,
      description: category.description,
      strictlyNecessary: category.strictlyNecessary,
      consentModeSignals: category.consentModeSignals,
      vendors: cookies.vendors
        .filter((vendor) => vendor.category === category.id)
        .map(({ name, location, privacyUrl, optOutUrl }) => ({ name, location, privacyUrl, optOutUrl })),
      storage: cookies.register
        .filter((entry) => entry.category === category.id)
        .map(({ name, storage, lifetimeDays, purpose }) => ({ name, storage, lifetimeDays, purpose })),
    })),
  };
}

/** What banner.js knows before it fetches its configuration: enough to act on a returning visitor's choice. */
export type BannerBoot = {
  version: string;
  cookie: { name: string; days: number };
  /** Consent Mode defaults: the v2 signals denied, a strictly necessary category's signals granted. */
  consentMode: Record<string, 'granted' | 'denied'> | null;
  signals: Record<string, string[]>;
  /** The categories that need consent, and those that are strictly necessary. */
  categories: string[];
  necessary: string[];
  storage: Record<string, { name: string; storage: string }[]>;
};

export function bannerBootOf(policy: Policy): BannerBoot | null {
  const banner = policy.cookies.banner;
  if (!banner) return null;
  const config = bannerConfigOf(policy, '', banner.sites[0]!.id)!;
  const optional = config.categories.filter((category) => !category.strictlyNecessary);
  let consentMode: BannerBoot['consentMode'] = null;
  if (config.googleConsentMode) {
    consentMode = {
      ad_storage: 'denied',
      ad_user_data: 'denied',
      ad_personalization: 'denied',
      analytics_storage: 'denied',
    };
    for (const category of config.categories) {
      for (const signal of category.consentModeSignals) {
        consentMode[signal] = category.strictlyNecessary ? 'granted' : 'denied';
      }
    }
  }
  return {
    version: config.cookiePolicyVersion,
    cookie: config.consentCookie,
    consentMode,
    signals: Object.fromEntries(optional.map((category) => [category.id, category.consentModeSignals])),
    categories: optional.map((category) => category.id),
    necessary: config.categories.filter((c) => c.strictlyNecessary).map((category) => category.id),
    storage: Object.fromEntries(
      optional.map((category) => [
        category.id,
        category.storage.map(({ name, storage }) => ({ name, storage })),
      ]),
    ),
  };
}

/** The origins allowed to call the banner API for `siteId`, or for any site when `siteId` is null. */
export function allowedOrigins(policy: Policy, siteId: string | null): string[] {
  const sites = policy.cookies.banner?.sites ?? [];
  return sites.filter((site) => siteId === null || site.id === siteId).flatMap((site) => site.origins);
}

export type ConsentAction = 'accept_all' | 'reject_all' | 'custom';

export type ChoiceProblem =
  | { problem: 'unknown_category'; category: string }
  | { problem: 'necessary_denied'; category: string }
  | { problem: 'category_twice'; category: string }
  | { problem: 'category_missing'; category: string }
  | { problem: 'action_mismatch'; action: ConsentAction };

/**
 * Whether `granted` and `denied` answer the banner completely: every category that needs consent appears in
 * exactly one of them, strictly necessary categories are never denied (they are not asked), and "accept all"
 * / "reject all" grant or deny everything. The first problem found, or null.
 */
export function checkChoice(
  config: Pick<BannerConfig, 'categories'>,
  choice: { action: ConsentAction; granted: string[]; denied: string[] },
): ChoiceProblem | null {
  const byId = new Map(config.categories.map((category) => [category.id, category]));
  const seen = new Set<string>();
  for (const category of [...choice.granted, ...choice.denied]) {
    const known = byId.get(category);
    if (!known) return { problem: 'unknown_category', category };
    if (seen.has(category)) return { problem: 'category_twice', category };
    seen.add(category);
  }
  for (const category of choice.denied) {
    if (byId.get(category)?.strictlyNecessary) return { problem: 'necessary_denied', category };
  }
  for (const category of config.categories) {
    if (!category.strictlyNecessary && !seen.has(category.id)) {
      return { problem: 'category_missing', category: category.id };
    }
  }
  if (choice.action === 'accept_all' && choice.denied.length > 0) {
    return { problem: 'action_mismatch', action: choice.action };
  }
  if (choice.action === 'reject_all' && consentCategories(config, choice.granted).length > 0) {
    return { problem: 'action_mismatch', action: choice.action };
  }
  return null;
}

/** The categories among `ids` that need consent (strictly necessary ones are never consented to). */
export function consentCategories(config: Pick<BannerConfig, 'categories'>, ids: string[]): string[] {
  const needsConsent = new Set(config.categories.filter((c) => !c.strictlyNecessary).map((c) => c.id));
  return ids.filter((id) => needsConsent.has(id));
}

export type LedgerChange = { given: string[]; withdrawn: string[] };

/**
 * How a choice changes the visitor's consents (CM-CKE-07): a category is `given` when it is granted now and
 * was not granted under the same wording before (a new wording version asks again, so every grant under it
 * is given anew); it is `withdrawn` when it was granted before, under any wording, and is not now.
 */
export function ledgerChange(
  previous: { granted: string[]; cookiePolicyVersion: string } | null,
  current: { granted: string[]; cookiePolicyVersion: string },
): LedgerChange {
  const before = new Set(previous?.granted ?? []);
  const sameWording = previous?.cookiePolicyVersion === current.cookiePolicyVersion;
  const now = new Set(current.granted);
  return {
    given: current.granted.filter((category) => !sameWording || !before.has(category)),
    withdrawn: [...before].filter((category) => !now.has(category)),
  };
}

/**
 * The IP address as stored with a consent: IPv4 with its last octet zeroed, IPv6 with its last 80 bits
 * zeroed (the first 48 bits kept); an IPv4-mapped IPv6 address is treated as IPv4. null for anything else.
 */
export function anonymiseIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const address = mapped ? mapped[1]! : ip;
  const version = isIP(address);
  if (version === 4) return address.replace(/\.\d+$/, '.0');
  if (version !== 6) return null;
  const groups = expandIpv6(address);
  return compressIpv6([...groups.slice(0, 3), 0, 0, 0, 0, 0]);
}

/** The eight 16-bit groups of a valid IPv6 address (an embedded IPv4 tail is converted). */
function expandIpv6(address: string): number[] {
  const [head = '', tail = ''] = address.includes('::') ? address.split('::') : [address, ''];
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (group.includes('.')) {
            const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
            return [(a << 8) | b, (c << 8) | d];
          }
          return [Number.parseInt(group, 16)];
        });
  const left = parse(head);
  const right = parse(tail);
  return [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
}

/** RFC 5952 text of eight groups: lower case, the longest run of two or more zero groups as `::`. */
function compressIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
