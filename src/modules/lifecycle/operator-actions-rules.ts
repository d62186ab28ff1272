import {
  addDays,
  afterWindow,
  type LocalDate,
  localDateOf,
  startOfDay,
  windowEnd,
} from '../../platform/calendar.ts';
import { AppError } from '../../platform/errors.ts';
import type { OperatorGround, Policy } from '../../policy/index.ts';
import type { Entitlements } from './lifecycle-rules.ts';
import type { AccountState } from './lifecycle-schema.ts';
import { operatorActionErrors } from './operator-actions-errors.ts';

export type OperatorActionKind = OperatorGround['action'];

/** States in which the contract is over: no operator action applies any more. */
const CLOSED: ReadonlySet<AccountState> = new Set(['terminated', 'deleted', 'purged']);

export function isClosed(state: AccountState): boolean {
  return CLOSED.has(state);
}

/**
 * The ground `code` for `action` from the policy's closed list, or a 422 naming the grounds the terms allow
 * for that action (CM-LIF-15: each termination carries a ground code; CM-LIF-18: no important reason, no
 * termination).
 */
export function groundFor(
  policy: Policy,
  action: OperatorActionKind,
  code: string | undefined,
): OperatorGround {
  const allowed = policy.operatorActions.grounds.filter((g) => g.action === action);
  const ground = allowed.find((g) => g.code === code);
  if (!ground)
    throw new AppError(operatorActionErrors.ground_not_allowed, {
      details: { ground: code ?? '', action, allowed: allowed.map((g) => g.code).join(', ') || 'none' },
    });
  return ground;
}

/**
 * The end of the window a blocked customer has to clarify (BK-LIF-03, § 3 ust. 8): `days` days from the day
 * of the block notice, the notice day not counted; the provider may terminate from local midnight of the day
 * after (a block mailed on 2026-06-01 → clarify through 2026-07-01 → terminate from 2026-07-02 00:00).
 */
export function clarificationWindow(
  policy: Policy,
  blockedAt: Date,
): { lastDay: LocalDate; terminableFrom: Date } | null {
  const days = policy.termination.blockedClarificationDays;
  if (days === null) return null;
  const tz = policy.locale.timeZone;
  const noticeDay = localDateOf(blockedAt, tz);
  return {
    lastDay: windowEnd(noticeDay, days, tz).lastDay,
    terminableFrom: startOfDay(afterWindow(noticeDay, days), tz),
  };
}

export type TerminationPlan = {
  ground: OperatorGround;
  clause: string;
  /** When the contract ends: now, on (deemed) delivery of the notice, or after the notice period. */
  effectiveAt: Date;
  /** The local day it takes effect: the first unused day of the paid period for a pro-rata refund. */
  effectiveOn: LocalDate;
  /** How the effective time was found, for the evidence. */
  basis: 'immediate' | 'proven_delivery' | 'deemed_delivery' | 'notice_period';
  refundReason: string | null;
  refuseFutureService: boolean;
};

export type TerminationFacts = {
  state: AccountState;
  /** Whether the customer is an eligible user (a sole trader with consumer rights, CM-ACC-10). */
  eligible: boolean;
  /** The account's block in force for misuse, if any (BK-LIF-03). */
  block: { blockedAt: Date } | null;
  /** A termination already pending on the account, if any. */
  pendingTerminationAt: Date | null;
};

/**
 * Whether and when the operator's termination on `groundCode` takes effect, sent at `now`.
 *
 * - The ground must be on the policy's closed list for `terminate` (CM-LIF-15, QU-LIF-06, BK-LIF-03/04).
 * - An eligible user may not be terminated on a ground for others (without cause, CM-LIF-17), only on an
 *   important reason (CM-LIF-18); those reasons apply only to eligible users.
 * - A ground that needs an unclarified block is refused until the clarification window has run out
 *   (BK-LIF-03: blocked 2026-06-01 → allowed from 2026-07-02).
 * - `immediate`: now. `on_delivery` (QU-LIF-06, art. 12.3): at the proven delivery `deliveredAt` when the
 *   operator has one (between sending and now), else at the start of the day the notice is deemed delivered
 *   (`notifications.deemedDeliveryDays` after sending, art. 11.1). `after_notice` (BK-LIF-04): the notice runs
 *   from sending, so it takes effect at the start of the day `noticeDays` later (2026-06-01 + 3 → 2026-06-04).
 */
export function planTermination(
  policy: Policy,
  groundCode: string | undefined,
  facts: TerminationFacts,
  now: Date,
  deliveredAt: Date | null,
): TerminationPlan {
  if (isClosed(facts.state))
    throw new AppError(operatorActionErrors.account_closed, { details: { state: facts.state } });
  if (facts.pendingTerminationAt)
    throw new AppError(operatorActionErrors.termination_pending, {
      details: { effectiveAt: facts.pendingTerminationAt.toISOString() },
    });
  const ground = groundFor(policy, 'terminate', groundCode);
  const terms = ground.termination!;
  const importantReasons = policy.operatorActions.grounds.filter(
    (g) => g.action === 'terminate' && g.termination?.customers === 'eligible_only',
  );
  if (terms.customers === 'not_eligible' && facts.eligible)
    throw new AppError(operatorActionErrors.eligible_user_protected, {
      details: { ground: ground.code, allowed: importantReasons.map((g) => g.code).join(', ') || 'none' },
    });
  if (terms.customers === 'eligible_only' && !facts.eligible)
    throw new AppError(operatorActionErrors.not_eligible_user, { details: { ground: ground.code } });
  if (terms.requiresUnclarifiedBlock) {
    const window = facts.block ? clarificationWindow(policy, facts.block.blockedAt) : null;
    if (!window) throw new AppError(operatorActionErrors.no_unclarified_block);
    if (now.getTime() < window.terminableFrom.getTime())
      throw new AppError(operatorActionErrors.clarification_window_open, {
        details: {
          lastDay: window.lastDay,
          allowedFrom: localDateOf(window.terminableFrom, policy.locale.timeZone),
        },
      });
  }

  const tz = policy.locale.timeZone;
  const today = localDateOf(now, tz);
  let effectiveAt = now;
  let basis: TerminationPlan['basis'] = 'immediate';
  if (deliveredAt && terms.effective !== 'on_delivery')
    throw new AppError(operatorActionErrors.delivery_invalid, {
      details: { deliveredAt: deliveredAt.toISOString() },
    });
  if (terms.effective === 'on_delivery') {
    if (deliveredAt) {
      if (deliveredAt.getTime() > now.getTime())
        throw new AppError(operatorActionErrors.delivery_invalid, {
          details: { deliveredAt: deliveredAt.toISOString() },
        });
      effectiveAt = deliveredAt;
      basis = 'proven_delivery';
    } else if (policy.notifications.deemedDeliveryDays !== null) {
      effectiveAt = startOfDay(addDays(today, policy.notifications.deemedDeliveryDays), tz);
      basis = 'deemed_delivery';
    }
  } else if (terms.effective === 'after_notice') {
    effectiveAt = startOfDay(addDays(today, terms.noticeDays ?? 0), tz);
    basis = 'notice_period';
  }
  if (effectiveAt.getTime() < now.getTime() && basis !== 'proven_delivery') effectiveAt = now;
  return {
    ground,
    clause: ground.clause,
    effectiveAt,
    effectiveOn: localDateOf(effectiveAt, tz),
    basis,
    refundReason: terms.refundReason,
    refuseFutureService: terms.refuseFutureService,
  };
}

/** What a restriction or block in force takes away: the account's access, or one resource. */
export type RestrictionInForce = {
  actionId: string;
  /** `account`, or a kind from `operatorActions.restrictableResources` (`conference`, `content`). */
  scope: string;
  resourceId: string | null;
  /** For the account: `restricted` (login, reading and export stay) or `none`. */
  access: 'restricted' | 'none';
  ground: string;
  clause: string;
  since: Date;
};

const accessRank: Record<Entitlements['access'], number> = {
  full: 3,
  restricted: 2,
  restore_only: 1,
  none: 0,
};

export type RestrictedEntitlements<E extends Entitlements> = E & {
  /** Present only while something is restricted. */
  restrictions?: {
    scope: string;
    resourceId: string | null;
    ground: string;
    clause: string;
    since: string;
  }[];
};

/**
 * The entitlements with the operator's restrictions laid over them (CM-LIF-16, QU-LIF-04, BK-LIF-03): an
 * account-level restriction lowers the access (never raises it) and takes the plan's features and limits
 * away; restricted resources are listed for the operator's product to refuse (a stopped conference, blocked
 * content). Without restrictions the entitlements are returned as they are.
 */
export function withRestrictions<E extends Entitlements>(
  entitlements: E,
  restrictions: readonly RestrictionInForce[],
): RestrictedEntitlements<E> {
  if (restrictions.length === 0) return entitlements;
  let access = entitlements.access;
  for (const r of restrictions)
    if (r.scope === 'account' && accessRank[r.access] < accessRank[access]) access = r.access;
  const full = access === 'full';
  return {
    ...entitlements,
    access,
    features: full ? entitlements.features : [],
    limits: full ? entitlements.limits : {},
    restrictions: restrictions.map((r) => ({
      scope: r.scope,
      resourceId: r.resourceId,
      ground: r.ground,
      clause: r.clause,
      since: r.since.toISOString(),
    })),
  };
}
