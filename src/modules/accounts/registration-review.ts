import { sql } from 'drizzle-orm';
import { AppError } from '../../platform/errors.ts';
import { type AccountsDeps, findAccount, issueToken } from './accounts-context.ts';
import { accountErrors } from './accounts-errors.ts';
import { registrationReviews, users } from './accounts-schema.ts';

export type RegistrationReview = typeof registrationReviews.$inferSelect;

/**
 * Holds a new sign-up for the operator's review (CM-ACC-05): the review row with the matching entries'
 * grounds and the event citing the policy's screening clause. The caller has left the owner
 * `pending_review`, with no activation mail and no session. Runs in the registration's transaction.
 */
export async function holdForReview(
  deps: AccountsDeps,
  input: { accountId: string; userId: string; grounds: string[]; now: Date; clause: string | null },
): Promise<{ id: string; status: 'pending_review' }> {
  const id = deps.ids.next('rrv');
  await deps.db.q.insert(registrationReviews).values({
    id,
    accountId: input.accountId,
    userId: input.userId,
    grounds: [...new Set(input.grounds)],
    status: 'pending_review',
    heldAt: input.now,
  });
  await deps.eventLog.append([
    {
      chainId: input.accountId,
      type: 'account.registration_held',
      clause: input.clause,
      actor: 'system',
      cause: 'refusal_list_match',
      occurredAt: input.now,
      data: { review: id, grounds: [...new Set(input.grounds)] },
    },
  ]);
  return { id, status: 'pending_review' };
}

/** Sign-ups waiting for review (or all), oldest first. */
export async function listRegistrationReviews(
  deps: AccountsDeps,
  filter: { status?: RegistrationReview['status'] } = {},
): Promise<RegistrationReview[]> {
  const rows = await deps.db.rows<Record<string, unknown>>(sql`
    select * from registration_reviews where (${filter.status ?? null}::text is null or status = ${filter.status ?? null})
    order by held_at, id limit 500`);
  return rows.map((r) => ({
    id: r.id as string,
    accountId: r.account_id as string,
    userId: r.user_id as string,
    grounds: r.grounds as string[],
    status: r.status as RegistrationReview['status'],
    heldAt: new Date(r.held_at as string),
    decidedAt: r.decided_at ? new Date(r.decided_at as string) : null,
    decidedBy: (r.decided_by as string | null) ?? null,
    reason: (r.reason as string | null) ?? null,
  }));
}

/**
 * The operator's decision on a held sign-up (CM-ACC-05), with its reason: approving lets the sign-up go on
 * as it would have (the activation mail where the policy asks for one, else active at once); refusing keeps
 * the owner out for good (`disabled`). Either is recorded with the reason and evidenced (the reason stays
 * in the review row, the event names the decision). A decided review cannot be decided again.
 */
export async function decideRegistrationReview(
  deps: AccountsDeps,
  input: { id: string; decision: 'approve' | 'refuse'; reason: string; actor: string },
): Promise<RegistrationReview> {
  return deps.db.transaction(async () => {
    const [row] = await deps.db.rows<{ account_id: string; user_id: string }>(sql`
      select account_id, user_id from registration_reviews
      where id = ${input.id} and status = 'pending_review' for update`);
    if (!row)
      throw new AppError(accountErrors['accounts.registration_review_not_found'], {
        details: { id: input.id },
      });
    const account = await findAccount(deps, row.account_id);
    const now = await deps.timeOf(account.clockId);
    const { policy } = deps.current();
    const reg = policy.registration;
    const approve = input.decision === 'approve';
    const status = approve ? 'approved' : 'refused';
    await deps.db.q.execute(sql`
      update registration_reviews set status = ${status}, decided_at = ${now.toISOString()},
        decided_by = ${input.actor}, reason = ${input.reason} where id = ${input.id}`);
    const [user] = await deps.db.rows<{ email: string; first_name: string | null; last_name: string | null }>(
      sql`select email, first_name, last_name from users where id = ${row.user_id}`,
    );
    if (!approve)
      await deps.db.q.execute(sql`update users set status = 'disabled' where id = ${row.user_id}`);
    else if (reg.activationLink.required) {
      await deps.db.q.execute(sql`update users set status = 'pending_activation' where id = ${row.user_id}`);
      const { token, expiresAt } = await issueToken(deps, {
        kind: 'activation',
        accountId: row.account_id,
        userId: row.user_id,
        now,
        validHours: reg.activationLink.validHours,
      });
      await deps.notifications.send([
        {
          accountId: row.account_id,
          recipient: user!.email,
          locale: account.locale as 'pl' | 'en',
          template: 'account.activation',
          clause: reg.clause,
          occurredAt: now,
          params: {
            companyName:
              account.companyName ??
              ([user!.first_name, user!.last_name].filter(Boolean).join(' ') || user!.email),
            activationUrl: `${deps.portalUrl}/activate?token=${token}`,
            validUntil: expiresAt,
          },
        },
      ]);
    } else {
      await deps.db.q.update(users).set({ status: 'active' }).where(sql`id = ${row.user_id}`);
      await deps.db.q.execute(sql`
        update accounts set activated_at = ${now.toISOString()},
          contract_concluded_at = case when ${reg.contractConcludedAt === 'registration'} then ${now.toISOString()}::timestamptz
            else contract_concluded_at end
        where id = ${row.account_id}`);
    }
    await deps.eventLog.append([
      {
        chainId: row.account_id,
        type: approve ? 'account.registration_approved' : 'account.registration_refused',
        clause: reg.screeningClause ?? null,
        actor: input.actor,
        cause: `review:${input.id}`,
        occurredAt: now,
        data: { review: input.id },
      },
    ]);
    const [decided] = (await listRegistrationReviews(deps)).filter((r) => r.id === input.id);
    return decided!;
  });
}
