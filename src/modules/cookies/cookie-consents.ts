import { sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { EventLog } from '../../platform/evidence/event-log.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import type { Policy } from '../../policy/index.ts';
import {
  anonymiseIp,
  type BannerConfig,
  bannerConfigOf,
  type ChoiceProblem,
  type ConsentAction,
  checkChoice,
  consentCategories,
  ledgerChange,
} from './consent-rules.ts';

export type CookiesDeps = {
  db: Database;
  eventLog: EventLog;
  ids: IdGenerator;
  clock: Clock;
  /** The policy new visitors are asked under, and its stored version id. */
  current: () => { policy: Policy; versionId: string };
};

export type ConsentChoice = {
  site: string;
  visitorId: string;
  action: ConsentAction;
  channel: 'banner' | 'preference_centre';
  granted: string[];
  denied: string[];
  policyVersionId: string;
  cookiePolicyVersion: string;
  language: 'pl' | 'en';
};

export type ConsentRecord = ConsentChoice & {
  id: string;
  given: string[];
  withdrawn: string[];
  ipAnonymised: string | null;
  userAgent: string | null;
  recordedAt: Date;
};

/** The banner configuration for `site` under the current policy; `cookies.site_unknown` when there is none. */
export function bannerConfig(deps: Pick<CookiesDeps, 'current'>, site: string): BannerConfig {
  const { policy, versionId } = deps.current();
  const config = bannerConfigOf(policy, versionId, site);
  if (!config) throw new AppError('cookies.site_unknown', { details: { site } });
  return config;
}

function describe(problem: ChoiceProblem): string {
  switch (problem.problem) {
    case 'unknown_category':
      return `unknown category ${problem.category}`;
    case 'necessary_denied':
      return `${problem.category} is strictly necessary and cannot be denied`;
    case 'category_twice':
      return `${problem.category} is listed twice`;
    case 'category_missing':
      return `no answer for ${problem.category}`;
    case 'action_mismatch':
      return `${problem.action} does not match the categories`;
  }
}

/**
 * Records a visitor's choice in the consent ledger (CM-CKE-07) as proof: which categories were granted and
 * denied, under which policy and cookie-wording version, through which channel, when, from which anonymised
 * IP address and user agent, and which categories this choice gave or withdrew compared with the visitor's
 * previous choice on the site. Appends a `cookie_consent.recorded` event (no personal data) to the site's
 * chain in the same transaction. Refuses a choice made on an outdated wording (the banner must ask again)
 * or one that does not answer every category; nothing is stored then. Sets no cookie: the banner keeps the
 * choice in the visitor's browser.
 */
export async function recordConsent(
  deps: CookiesDeps,
  choice: ConsentChoice,
  client: { ip: string | null; userAgent: string | null },
): Promise<ConsentRecord> {
  const config = bannerConfig(deps, choice.site);
  if (
    choice.cookiePolicyVersion !== config.cookiePolicyVersion ||
    choice.policyVersionId !== config.policyVersionId
  ) {
    throw new AppError('cookies.wording_outdated', {
      details: { cookiePolicyVersion: config.cookiePolicyVersion, policyVersionId: config.policyVersionId },
    });
  }
  const problem = checkChoice(config, choice);
  if (problem)
    throw new AppError('cookies.choice_invalid', { details: { reason: describe(problem), ...problem } });
  const granted = consentCategories(config, choice.granted);
  const banner = deps.current().policy.cookies.banner!;

  return deps.db.transaction(async () => {
    const [previous] = await deps.db.rows<{ granted: string[]; cookie_policy_version: string }>(sql`
      select granted, cookie_policy_version from cookie_consents
      where site = ${choice.site} and visitor_id = ${choice.visitorId}
      order by id desc limit 1`);
    const change = ledgerChange(
      previous ? { granted: previous.granted, cookiePolicyVersion: previous.cookie_policy_version } : null,
      { granted, cookiePolicyVersion: choice.cookiePolicyVersion },
    );
    const record: ConsentRecord = {
      ...choice,
      granted,
      id: deps.ids.next('ckc'),
      ...change,
      ipAnonymised: anonymiseIp(client.ip),
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      recordedAt: deps.clock.now(),
    };
    await deps.db.q.execute(sql`
      insert into cookie_consents (id, site, visitor_id, action, channel, granted, denied, given, withdrawn,
        policy_version_id, cookie_policy_version, language, ip_anonymised, user_agent, recorded_at)
      values (${record.id}, ${record.site}, ${record.visitorId}, ${record.action}, ${record.channel},
        ${JSON.stringify(record.granted)}::jsonb, ${JSON.stringify(record.denied)}::jsonb,
        ${JSON.stringify(record.given)}::jsonb, ${JSON.stringify(record.withdrawn)}::jsonb,
        ${record.policyVersionId}, ${record.cookiePolicyVersion}, ${record.language}, ${record.ipAnonymised},
        ${record.userAgent}, ${record.recordedAt.toISOString()})`);
    await deps.eventLog.append([
      {
        chainId: `cookies:${record.site}`,
        type: 'cookie_consent.recorded',
        clause: banner.clause,
        actor: 'visitor',
        cause: record.id,
        occurredAt: record.recordedAt,
        data: {
          recordId: record.id,
          action: record.action,
          channel: record.channel,
          granted: record.granted,
          denied: record.denied,
          given: record.given,
          withdrawn: record.withdrawn,
          cookiePolicyVersion: record.cookiePolicyVersion,
        },
      },
    ]);
    return record;
  });
}

type ConsentRow = {
  id: string;
  site: string;
  visitor_id: string;
  action: ConsentAction;
  channel: 'banner' | 'preference_centre';
  granted: string[];
  denied: string[];
  given: string[];
  withdrawn: string[];
  policy_version_id: string;
  cookie_policy_version: string;
  language: 'pl' | 'en';
  ip_anonymised: string | null;
  user_agent: string | null;
  recorded_at: Date | string;
};

/**
 * The consent ledger for the operator, oldest first: optionally one site, one visitor, a time range
 * (`from` inclusive, `to` exclusive); `after` continues from a record id, `limit` rows at most.
 */
export async function listConsents(
  deps: Pick<CookiesDeps, 'db'>,
  filter: { site?: string; visitorId?: string; from?: Date; to?: Date; after?: string; limit: number },
): Promise<{ records: ConsentRecord[]; next: string | null }> {
  const conditions = [sql`true`];
  if (filter.site) conditions.push(sql`site = ${filter.site}`);
  if (filter.visitorId) conditions.push(sql`visitor_id = ${filter.visitorId}`);
  if (filter.from) conditions.push(sql`recorded_at >= ${filter.from.toISOString()}`);
  if (filter.to) conditions.push(sql`recorded_at < ${filter.to.toISOString()}`);
  if (filter.after) conditions.push(sql`id > ${filter.after}`);
  const rows = await deps.db.rows<ConsentRow>(sql`
    select * from cookie_consents where ${sql.join(conditions, sql` and `)}
    order by id limit ${filter.limit + 1}`);
  const page = rows.slice(0, filter.limit);
  return {
    records: page.map((row) => ({
      id: row.id,
      site: row.site,
      visitorId: row.visitor_id,
      action: row.action,
      channel: row.channel,
      granted: row.granted,
      denied: row.denied,
      given: row.given,
      withdrawn: row.withdrawn,
      policyVersionId: row.policy_version_id,
      cookiePolicyVersion: row.cookie_policy_version,
      language: row.language,
      ipAnonymised: row.ip_anonymised,
      userAgent: row.user_agent,
      recordedAt: new Date(row.recorded_at),
    })),
    next: rows.length > filter.limit ? (page.at(-1)?.id ?? null) : null,
  };
}
