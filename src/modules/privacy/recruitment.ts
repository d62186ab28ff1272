/**
 * Recruitment data (CM-PRV-17), the smallest honest form: the operator records a recruitment and its
 * candidates (name, e-mail, extra data given with the CV — sending it is the consent for them), each with or
 * without a separate consent to the talent pool. Data are kept for the recruitment and, from its close, for
 * the claims period (the policy's retention category with trigger `case_closed` covering candidates); then
 * deleted by a due item — unless the candidate is in the talent pool, where the data stay as long as that
 * consent lasts. The pool search returns only candidates with a live pool consent. Any consent can be
 * withdrawn at any time (a request to privacy@, recorded here); a pool withdrawal after the claims period
 * deletes the candidate at once. No personal data in the event log.
 */
import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { DueItem } from '../../platform/due-work/due-work.ts';
import { AppError, defineErrors } from '../../platform/errors.ts';
import { purgeTimeOf } from '../retention/index.ts';
import { recruitmentCandidates, recruitments } from './controller-records-schema.ts';
import type { PrivacyDeps } from './privacy-context.ts';

export const CANDIDATE_PURGE = 'privacy.candidate_purge';
const CHAIN = 'recruitment';

export const recruitmentErrors = defineErrors({
  'privacy.recruitment_not_found': {
    status: 404,
    en: 'No such recruitment.',
    pl: 'Nie ma takiej rekrutacji.',
  },
  'privacy.recruitment_closed': {
    status: 409,
    en: 'The recruitment is closed.',
    pl: 'Rekrutacja jest zakończona.',
  },
  'privacy.candidate_not_found': { status: 404, en: 'No such candidate.', pl: 'Nie ma takiego kandydata.' },
  'privacy.recruitment_retention_missing': {
    status: 409,
    en: 'The policy has no retention category for job candidates.',
    pl: 'Polityka nie ma kategorii retencji dla kandydatów do pracy.',
  },
});

/**
 * The policy's category for candidates (id `recruitment_candidates`): controller data kept from the
 * recruitment's close (trigger `case_closed`) for its period.
 */
function candidateCategory(deps: PrivacyDeps) {
  const category = deps.current().policy.retention.categories.find((c) => c.id === 'recruitment_candidates');
  if (category?.trigger !== 'case_closed')
    throw new AppError(recruitmentErrors['privacy.recruitment_retention_missing']);
  return category;
}

export type Candidate = {
  id: string;
  recruitmentId: string;
  name: string;
  email: string;
  extra: Record<string, string>;
  inTalentPool: boolean;
  appliedAt: Date;
  keepUntil: Date | null;
};

function candidateOf(r: typeof recruitmentCandidates.$inferSelect): Candidate {
  return {
    id: r.id,
    recruitmentId: r.recruitmentId,
    name: r.name,
    email: r.email,
    extra: r.extra,
    inTalentPool: r.talentPoolConsentAt !== null && r.talentPoolWithdrawnAt === null,
    appliedAt: r.appliedAt,
    keepUntil: r.keepUntil,
  };
}

async function recruitmentOf(deps: PrivacyDeps, id: string) {
  const [row] = await deps.db.q.select().from(recruitments).where(eq(recruitments.id, id));
  if (!row) throw new AppError(recruitmentErrors['privacy.recruitment_not_found']);
  return row;
}

export async function openRecruitment(
  deps: PrivacyDeps,
  input: { title: string; clockId: string | null; actor: string },
): Promise<{ id: string; openedAt: Date }> {
  const category = candidateCategory(deps);
  const now = await deps.timeOf(input.clockId);
  const id = deps.ids.next('rec');
  return deps.db.transaction(async () => {
    await deps.db.q
      .insert(recruitments)
      .values({ id, title: input.title, clockId: input.clockId, openedAt: now });
    await deps.eventLog.append([
      {
        chainId: CHAIN,
        type: 'privacy.recruitment_opened',
        clause: category.clause,
        actor: input.actor,
        occurredAt: now,
        data: { recruitment: id },
      },
    ]);
    return { id, openedAt: now };
  });
}

export async function addCandidate(
  deps: PrivacyDeps,
  input: {
    recruitmentId: string;
    name: string;
    email: string;
    extra: Record<string, string>;
    talentPoolConsent: boolean;
    actor: string;
  },
): Promise<Candidate> {
  const category = candidateCategory(deps);
  const recruitment = await recruitmentOf(deps, input.recruitmentId);
  if (recruitment.closedAt) throw new AppError(recruitmentErrors['privacy.recruitment_closed']);
  const now = await deps.timeOf(recruitment.clockId);
  const id = deps.ids.next('cand');
  return deps.db.transaction(async () => {
    const [row] = await deps.db.q
      .insert(recruitmentCandidates)
      .values({
        id,
        recruitmentId: input.recruitmentId,
        name: input.name.trim(),
        email: input.email.trim().toLowerCase(),
        extra: input.extra,
        talentPoolConsentAt: input.talentPoolConsent ? now : null,
        appliedAt: now,
      })
      .returning();
    await deps.eventLog.append([
      {
        chainId: CHAIN,
        type: 'privacy.candidate_recorded',
        clause: category.clause,
        actor: input.actor,
        occurredAt: now,
        data: {
          recruitment: input.recruitmentId,
          candidate: id,
          talentPool: input.talentPoolConsent,
          extra: Object.keys(input.extra),
        },
      },
    ]);
    return candidateOf(row!);
  });
}

/** Closes a recruitment: each candidate is kept until the claims period ends, then a due item deletes it. */
export async function closeRecruitment(
  deps: PrivacyDeps,
  input: { recruitmentId: string; actor: string },
): Promise<{ closedAt: Date; keepUntil: Date; candidates: number }> {
  const category = candidateCategory(deps);
  const recruitment = await recruitmentOf(deps, input.recruitmentId);
  if (recruitment.closedAt) throw new AppError(recruitmentErrors['privacy.recruitment_closed']);
  const now = await deps.timeOf(recruitment.clockId);
  const { purgeAt } = purgeTimeOf(category, now, deps.current().policy.locale.timeZone);
  return deps.db.transaction(async () => {
    await deps.db.q
      .update(recruitments)
      .set({ closedAt: now })
      .where(eq(recruitments.id, input.recruitmentId));
    const rows = await deps.db.q
      .update(recruitmentCandidates)
      .set({ keepUntil: purgeAt })
      .where(eq(recruitmentCandidates.recruitmentId, input.recruitmentId))
      .returning({ id: recruitmentCandidates.id });
    await deps.dueWork.schedule(
      rows.map((r) => ({
        accountId: CHAIN,
        kind: CANDIDATE_PURGE,
        ref: r.id,
        dueAt: purgeAt,
        clockId: recruitment.clockId,
      })),
    );
    await deps.eventLog.append([
      {
        chainId: CHAIN,
        type: 'privacy.recruitment_closed',
        clause: category.clause,
        actor: input.actor,
        occurredAt: now,
        data: { recruitment: input.recruitmentId, candidates: rows.length, keepUntil: purgeAt.toISOString() },
      },
    ]);
    return { closedAt: now, keepUntil: purgeAt, candidates: rows.length };
  });
}

/** The talent pool: only candidates whose separate pool consent is live; `q` matches name or e-mail. */
export async function searchTalentPool(deps: PrivacyDeps, q: string | undefined): Promise<Candidate[]> {
  const rows = await deps.db.q
    .select()
    .from(recruitmentCandidates)
    .where(
      and(
        isNotNull(recruitmentCandidates.talentPoolConsentAt),
        isNull(recruitmentCandidates.talentPoolWithdrawnAt),
        q
          ? sql`(lower(${recruitmentCandidates.name}) like ${`%${q.toLowerCase()}%`} or ${recruitmentCandidates.email} like ${`%${q.toLowerCase()}%`})`
          : undefined,
      ),
    )
    .orderBy(recruitmentCandidates.appliedAt);
  return rows.map(candidateOf);
}

/**
 * A candidate withdraws the talent-pool consent (by writing to privacy@): out of the pool at once; deleted
 * at once when the recruitment's claims period is already over, else when it ends.
 */
export async function withdrawTalentPool(
  deps: PrivacyDeps,
  input: { candidateId: string; actor: string },
): Promise<{ deleted: boolean }> {
  const category = candidateCategory(deps);
  const [row] = await deps.db.q
    .select()
    .from(recruitmentCandidates)
    .where(eq(recruitmentCandidates.id, input.candidateId));
  if (!row) throw new AppError(recruitmentErrors['privacy.candidate_not_found']);
  const recruitment = await recruitmentOf(deps, row.recruitmentId);
  const now = await deps.timeOf(recruitment.clockId);
  return deps.db.transaction(async () => {
    const expired = row.keepUntil !== null && row.keepUntil.getTime() <= now.getTime();
    if (expired) await deps.db.q.delete(recruitmentCandidates).where(eq(recruitmentCandidates.id, row.id));
    else
      await deps.db.q
        .update(recruitmentCandidates)
        .set({ talentPoolWithdrawnAt: now })
        .where(eq(recruitmentCandidates.id, row.id));
    await deps.eventLog.append([
      {
        chainId: CHAIN,
        type: 'privacy.talent_pool_withdrawn',
        clause: category.clause,
        actor: input.actor,
        occurredAt: now,
        data: { candidate: row.id, deleted: expired },
      },
    ]);
    return { deleted: expired };
  });
}

/** The due handler: at the end of the claims period, candidates not in the pool are deleted. */
export async function handleCandidatePurge(deps: PrivacyDeps, items: DueItem[]): Promise<void> {
  if (items.length === 0) return;
  const category = candidateCategory(deps);
  const deleted = await deps.db.q
    .delete(recruitmentCandidates)
    .where(
      and(
        inArray(
          recruitmentCandidates.id,
          items.map((i) => i.ref),
        ),
        sql`(${recruitmentCandidates.talentPoolConsentAt} is null or ${recruitmentCandidates.talentPoolWithdrawnAt} is not null)`,
      ),
    )
    .returning({ id: recruitmentCandidates.id });
  const at = new Map(items.map((i) => [i.ref, i.firedAt]));
  await deps.eventLog.append(
    deleted.map((d) => ({
      chainId: CHAIN,
      type: 'privacy.candidate_deleted',
      clause: category.clause,
      actor: 'system',
      cause: `due:${CANDIDATE_PURGE}`,
      occurredAt: at.get(d.id)!,
      data: { candidate: d.id },
    })),
  );
}
