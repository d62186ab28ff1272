import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { instant } from '../../platform/db/columns.ts';

export type Address = { street: string; postalCode: string; city: string; country: string };

/**
 * A customer account: the contracting business, or a person under a nickname where the policy allows it
 * (MOC-ACC-01: company name and country stay empty until they pay on behalf of a company). Personal data of
 * its people live in `users`.
 */
export const accounts = pgTable(
  'accounts',
  {
    id: text('id').primaryKey(),
    clockId: text('clock_id'),
    companyName: text('company_name'),
    taxId: text('tax_id'),
    country: text('country'),
    address: jsonb('address').$type<Address>(),
    phone: text('phone'),
    isSoleTrader: boolean('is_sole_trader').notNull().default(false),
    registeringPerson: text('registering_person'),
    locale: text('locale').notNull(),
    subdomain: text('subdomain'),
    declarations: jsonb('declarations').$type<Record<string, string>>().notNull(),
    createdAt: instant('created_at').notNull(),
    activatedAt: instant('activated_at'),
    contractConcludedAt: instant('contract_concluded_at'),
    profileVersion: integer('profile_version').notNull().default(1),
  },
  (t) => [
    uniqueIndex('accounts_subdomain_idx').on(t.subdomain),
    index('accounts_tax_id_idx').on(t.taxId),
    index('accounts_clock_idx').on(t.clockId),
  ],
);

/**
 * The account's public profile page (CM-PRV-16): shown at signup with the policy's default, switched off or
 * on by the account at any time; the public URL answers only while it is visible. No row: no public profile.
 */
export const publicProfiles = pgTable('public_profiles', {
  accountId: text('account_id').primaryKey(),
  visible: boolean('visible').notNull(),
  /** The parts hidden while the page is visible (e.g. `address`, `phone`). */
  hiddenParts: text('hidden_parts').array().notNull(),
  changedAt: instant('changed_at').notNull(),
  changedBy: text('changed_by').notNull(),
});

/** Every change of registration data, old and new value (QU-ACC-04, CM-ACC-08). */
export const accountProfileChanges = pgTable(
  'account_profile_changes',
  {
    accountId: text('account_id').notNull(),
    version: integer('version').notNull(),
    field: text('field').notNull(),
    oldValue: jsonb('old_value'),
    newValue: jsonb('new_value'),
    actor: text('actor').notNull(),
    changedAt: instant('changed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.version, t.field] })],
);

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    email: text('email').notNull(),
    firstName: text('first_name'),
    lastName: text('last_name'),
    role: text('role').$type<UserRole>().notNull(),
    passwordHash: text('password_hash'),
    status: text('status')
      .$type<'invited' | 'pending_activation' | 'pending_review' | 'active' | 'disabled'>()
      .notNull(),
    emailVerifiedAt: instant('email_verified_at'),
    failedLogins: integer('failed_logins').notNull().default(0),
    lockedUntil: instant('locked_until'),
    createdAt: instant('created_at').notNull(),
    firstLoginAt: instant('first_login_at'),
    lastLoginAt: instant('last_login_at'),
    passwordChangedAt: instant('password_changed_at'),
  },
  (t) => [
    uniqueIndex('users_email_idx').on(sql`lower(${t.email})`),
    index('users_account_idx').on(t.accountId),
  ],
);

export const userRoles = ['owner', 'admin', 'billing', 'member'] as const;
export type UserRole = (typeof userRoles)[number];

export const sessions = pgTable(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    accountId: text('account_id').notNull(),
    userId: text('user_id').notNull(),
    csrfToken: text('csrf_token').notNull(),
    createdAt: instant('created_at').notNull(),
    lastSeenAt: instant('last_seen_at').notNull(),
    expiresAt: instant('expires_at').notNull(),
    revokedAt: instant('revoked_at'),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/** Single-use tokens sent by e-mail: activation links, password resets, invitations. Stored hashed. */
export const userTokens = pgTable(
  'user_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    kind: text('kind').$type<'activation' | 'password_reset' | 'invitation'>().notNull(),
    accountId: text('account_id').notNull(),
    userId: text('user_id').notNull(),
    createdAt: instant('created_at').notNull(),
    expiresAt: instant('expires_at').notNull(),
    usedAt: instant('used_at'),
  },
  (t) => [index('user_tokens_user_idx').on(t.userId, t.kind)],
);

/** Keys for machine clients: the operator's product and the operator's own automation. */
export const apiKeys = pgTable('api_keys', {
  id: text('id').primaryKey(),
  keyHash: text('key_hash').notNull().unique(),
  name: text('name').notNull(),
  scope: text('scope').$type<'operator'>().notNull(),
  /** The key's operator scopes (src/platform/http/operator-scopes.ts). */
  scopes: text('scopes').array().notNull(),
  createdAt: instant('created_at').notNull(),
  revokedAt: instant('revoked_at'),
});

/**
 * Sign-ups held for the operator's review because they match the refusal list (CM-ACC-05): the owner stays
 * `pending_review` (no activation, no login) until the operator approves or refuses with a reason.
 */
export const registrationReviews = pgTable(
  'registration_reviews',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    userId: text('user_id').notNull(),
    /** The grounds of the matching refusal-list entries (codes, never data). */
    grounds: jsonb('grounds').$type<string[]>().notNull(),
    status: text('status').$type<'pending_review' | 'approved' | 'refused'>().notNull(),
    heldAt: instant('held_at').notNull(),
    decidedAt: instant('decided_at'),
    decidedBy: text('decided_by'),
    reason: text('reason'),
  },
  (t) => [index('registration_reviews_account_idx').on(t.accountId)],
);
