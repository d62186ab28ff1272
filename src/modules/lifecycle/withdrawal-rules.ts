import { customerDeadline, type LocalDate, localDateOf, providerDeadline } from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import type { Policy } from '../../policy/index.ts';
import type { AccountState } from './lifecycle-schema.ts';
import { operatorActionErrors } from './operator-actions-errors.ts';
import { isClosed } from './operator-actions-rules.ts';

export type WithdrawalFacts = {
  state: AccountState;
  /** A sole trader flagged at registration (CM-ACC-10: an eligible user where the policy flags them). */
  isSoleTrader: boolean;
  /** When the contract was concluded (registration, activation or first login, per the policy). */
  concludedAt: Date | null;
  /** The first payment received for a paid plan, if any. */
  firstPaymentAt: Date | null;
};

export type WithdrawalDecision = {
  /** The day the window counts from (not itself counted). */
  countsFrom: LocalDate;
  /** The last day the statement may be sent, moved off a weekend or holiday (a customer deadline). */
  lastDay: LocalDate;
  /** X + N before the move, for the evidence. */
  nominalLastDay: LocalDate;
  /** The provider's own deadline to refund: never moves (CM-LIF-20: received + 14 days). */
  refundDueBy: LocalDate;
  /** The contract ends when the statement is received (QU-LIF-08: "on delivery of the notice"). */
  effectiveAt: Date;
};

/**
 * Whether a statement of withdrawal sent at `sentAt` and received at `receivedAt` is valid, and its deadlines.
 *
 * - Only where the terms give the right (`billing.withdrawal`), to whom they give it: every customer
 *   (QU-LIF-08) or only eligible users, i.e. sole traders where the policy flags them (CM-LIF-19, CM-ACC-10).
 * - The window of `days` counts from the contract's conclusion, or from the later of conclusion and the
 *   first payment (CM-LIF-19 AMBIGUOUS, QU-LIF-08 A15), the trigger day not counted; the last day moves to
 *   the next business day when it is a weekend or public holiday (a customer deadline: created 2026-05-02
 *   → 2026-05-16 is a Saturday → 2026-05-18).
 * - The statement is in time when it is sent by the end of the last day (CM-LIF-19: 2026-05-18 23:50 in
 *   time, 2026-05-19 00:10 late).
 * - The refund is due `refundWithinDays` after receipt, a provider deadline that never moves (CM-LIF-20).
 */
export function decideWithdrawal(
  policy: Policy,
  facts: WithdrawalFacts,
  statement: { sentAt: Date; receivedAt: Date },
): WithdrawalDecision {
  const terms = policy.billing.withdrawal;
  if (!terms) throw new AppError(operatorActionErrors.withdrawal_not_offered);
  if (isClosed(facts.state))
    throw new AppError(operatorActionErrors.account_closed, { details: { state: facts.state } });
  if (
    terms.eligibility === 'eligible_sole_traders' &&
    !(policy.registration.flagSoleTraders && facts.isSoleTrader)
  )
    throw new AppError(operatorActionErrors.withdrawal_not_eligible);
  if (!facts.concludedAt) throw new AppError(operatorActionErrors.withdrawal_no_contract);
  if (statement.sentAt.getTime() > statement.receivedAt.getTime())
    throw new AppError(operatorActionErrors.statement_time_invalid, {
      details: { sentAt: statement.sentAt.toISOString(), receivedAt: statement.receivedAt.toISOString() },
    });
  const tz = policy.locale.timeZone;
  const from =
    terms.countsFrom === 'later_of_conclusion_and_first_payment' &&
    facts.firstPaymentAt &&
    facts.firstPaymentAt.getTime() > facts.concludedAt.getTime()
      ? facts.firstPaymentAt
      : facts.concludedAt;
  const countsFrom = localDateOf(from, tz);
  const deadline = customerDeadline(countsFrom, terms.days, tz, policy.locale.businessCalendar);
  if (statement.sentAt.getTime() > deadline.endsAt.getTime())
    throw new AppError(operatorActionErrors.withdrawal_too_late, {
      details: { lastDay: deadline.lastDay, statementAt: statement.sentAt.toISOString() },
    });
  return {
    countsFrom,
    lastDay: deadline.lastDay,
    nominalLastDay: deadline.nominalLastDay,
    refundDueBy: providerDeadline(localDateOf(statement.receivedAt, tz), terms.refundWithinDays, tz).lastDay,
    effectiveAt: statement.receivedAt,
  };
}

export type Outage = { function: string; from: Date; to: Date };
export type DefectPeriod = { from: Date; to: Date; minutes: number };

/**
 * The periods of material defect ("istotna wada", CM-LIF-21): the times when every function the terms name
 * (`availability.materialDefectWhenAllDown`: logging in to the Account Panel and running a conference) was
 * unavailable at once. Login working while rooms fail is no defect; both down 10:00–12:00 is a 2-hour one.
 * Overlapping or touching outages of one function are merged first; the result is sorted and disjoint.
 */
export function materialDefectPeriods(
  functions: readonly string[],
  outages: readonly Outage[],
): DefectPeriod[] {
  if (functions.length === 0) return [];
  let common: { from: number; to: number }[] | null = null;
  for (const fn of functions) {
    const merged = mergeIntervals(
      outages.filter((o) => o.function === fn).map((o) => ({ from: o.from.getTime(), to: o.to.getTime() })),
    );
    common = common === null ? merged : intersect(common, merged);
    if (common.length === 0) return [];
  }
  return (common ?? []).map((p) => ({
    from: new Date(p.from),
    to: new Date(p.to),
    minutes: Math.round((p.to - p.from) / 60_000),
  }));
}

function mergeIntervals(list: { from: number; to: number }[]): { from: number; to: number }[] {
  const sorted = list.filter((i) => i.to > i.from).sort((a, b) => a.from - b.from);
  const out: { from: number; to: number }[] = [];
  for (const i of sorted) {
    const last = out.at(-1);
    if (last && i.from <= last.to) last.to = Math.max(last.to, i.to);
    else out.push({ ...i });
  }
  return out;
}

function intersect(
  a: { from: number; to: number }[],
  b: { from: number; to: number }[],
): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const from = Math.max(a[i]!.from, b[j]!.from);
    const to = Math.min(a[i]!.to, b[j]!.to);
    if (to > from) out.push({ from, to });
    if (a[i]!.to < b[j]!.to) i += 1;
    else j += 1;
  }
  return out;
}
