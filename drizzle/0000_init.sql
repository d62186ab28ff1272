CREATE SEQUENCE "public"."account_state_journal_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "acceptances" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"user_id" text NOT NULL,
	"document_kind" text NOT NULL,
	"document_version" text NOT NULL,
	"accepted_at" timestamp (3) with time zone NOT NULL,
	"channel" text NOT NULL,
	"ip" text,
	"user_agent" text
);
--> statement-breakpoint
CREATE TABLE "account_profile_changes" (
	"account_id" text NOT NULL,
	"version" integer NOT NULL,
	"field" text NOT NULL,
	"old_value" jsonb,
	"new_value" jsonb,
	"actor" text NOT NULL,
	"changed_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "account_profile_changes_account_id_version_field_pk" PRIMARY KEY("account_id","version","field")
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"clock_id" text,
	"company_name" text,
	"tax_id" text,
	"country" text,
	"address" jsonb,
	"phone" text,
	"is_sole_trader" boolean DEFAULT false NOT NULL,
	"registering_person" text,
	"locale" text NOT NULL,
	"subdomain" text,
	"declarations" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"activated_at" timestamp (3) with time zone,
	"contract_concluded_at" timestamp (3) with time zone,
	"profile_version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"key_hash" text NOT NULL,
	"name" text NOT NULL,
	"scope" text NOT NULL,
	"scopes" text[] NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"revoked_at" timestamp (3) with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "public_profiles" (
	"account_id" text PRIMARY KEY NOT NULL,
	"visible" boolean NOT NULL,
	"hidden_parts" text[] NOT NULL,
	"changed_at" timestamp (3) with time zone NOT NULL,
	"changed_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "registration_reviews" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"user_id" text NOT NULL,
	"grounds" jsonb NOT NULL,
	"status" text NOT NULL,
	"held_at" timestamp (3) with time zone NOT NULL,
	"decided_at" timestamp (3) with time zone,
	"decided_by" text,
	"reason" text
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"user_id" text NOT NULL,
	"csrf_token" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"last_seen_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"revoked_at" timestamp (3) with time zone,
	"ip" text,
	"user_agent" text
);
--> statement-breakpoint
CREATE TABLE "user_tokens" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"account_id" text NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"used_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"email" text NOT NULL,
	"first_name" text,
	"last_name" text,
	"role" text NOT NULL,
	"password_hash" text,
	"status" text NOT NULL,
	"email_verified_at" timestamp (3) with time zone,
	"failed_logins" integer DEFAULT 0 NOT NULL,
	"locked_until" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL,
	"first_login_at" timestamp (3) with time zone,
	"last_login_at" timestamp (3) with time zone,
	"password_changed_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "account_credits" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"currency" text NOT NULL,
	"amount" bigint NOT NULL,
	"payment_id" text,
	"invoice_id" text,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "exchange_rates" (
	"currency" text NOT NULL,
	"effective_date" date NOT NULL,
	"table_no" text NOT NULL,
	"mid_pln" text NOT NULL,
	"imported_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "exchange_rates_currency_effective_date_table_no_pk" PRIMARY KEY("currency","effective_date","table_no")
);
--> statement-breakpoint
CREATE TABLE "invoice_counters" (
	"series" text NOT NULL,
	"scope" text NOT NULL,
	"last_seq" integer NOT NULL,
	CONSTRAINT "invoice_counters_series_scope_pk" PRIMARY KEY("series","scope")
);
--> statement-breakpoint
CREATE TABLE "invoices" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"subscription_id" text,
	"series" text NOT NULL,
	"number" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"issue_date" date NOT NULL,
	"due_date" date,
	"period_from" date,
	"period_to" date,
	"currency" text NOT NULL,
	"net" bigint NOT NULL,
	"vat" bigint NOT NULL,
	"gross" bigint NOT NULL,
	"amount_paid" bigint NOT NULL,
	"document" jsonb NOT NULL,
	"ksef_xml" text,
	"ksef_status" text,
	"ksef_number" text,
	"ksef_session_ref" text,
	"ksef_invoice_ref" text,
	"ksef_upo" text,
	"ksef_error" text,
	"ksef_accepted_at" timestamp (3) with time zone,
	"deemed_delivered_on" date,
	"delivered_on" date,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pack_orders" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"pack_code" text NOT NULL,
	"invoice_id" text NOT NULL,
	"provider" text NOT NULL,
	"status" text NOT NULL,
	"balance_entry_id" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"credited_at" timestamp (3) with time zone,
	CONSTRAINT "pack_orders_invoice_id_unique" UNIQUE("invoice_id")
);
--> statement-breakpoint
CREATE TABLE "payment_charges" (
	"payment_id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"provider" text NOT NULL,
	"purpose" text NOT NULL,
	"request" jsonb NOT NULL,
	"context" jsonb NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone NOT NULL,
	"last_error" text,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payment_links" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"invoice_id" text NOT NULL,
	"provider" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"status" text NOT NULL,
	"transaction_id" text,
	"provider_ref" text,
	"payment_url" text,
	"payment_id" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"paid_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "payment_methods" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"provider" text NOT NULL,
	"provider_ref" text NOT NULL,
	"brand" text,
	"last4" text,
	"exp_month" integer,
	"exp_year" integer,
	"recurring_consent_at" timestamp (3) with time zone,
	"consent_withdrawn_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payments" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"invoice_id" text,
	"subscription_id" text,
	"payment_method_id" text,
	"provider" text NOT NULL,
	"provider_ref" text,
	"idempotency_key" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"status" text NOT NULL,
	"failure_code" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "payments_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "provider_events" (
	"provider" text NOT NULL,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"payment_id" text,
	"received_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "provider_events_provider_event_id_pk" PRIMARY KEY("provider","event_id")
);
--> statement-breakpoint
CREATE TABLE "refunds" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"payment_id" text NOT NULL,
	"invoice_id" text,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"reason" text NOT NULL,
	"provider" text NOT NULL,
	"provider_ref" text,
	"status" text DEFAULT 'refunded' NOT NULL,
	"sent_at" timestamp (3) with time zone,
	"idempotency_key" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone,
	"last_error" text,
	CONSTRAINT "refunds_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"plan_code" text NOT NULL,
	"frequency" text NOT NULL,
	"status" text NOT NULL,
	"current_period_from" date NOT NULL,
	"current_period_to" date NOT NULL,
	"paid_through" date,
	"cancel_at_period_end" boolean DEFAULT false NOT NULL,
	"price_amount" bigint NOT NULL,
	"price_currency" text NOT NULL,
	"payment_method_id" text,
	"clock_id" text,
	"policy_version_id" text NOT NULL,
	"ordered_by" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vat_id_checks" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"vat_id" text NOT NULL,
	"status" text NOT NULL,
	"request_id" text,
	"error" text,
	"checked_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "balance_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"code" text NOT NULL,
	"kind" text NOT NULL,
	"delta" bigint NOT NULL,
	"balance_after" bigint NOT NULL,
	"pack_code" text,
	"payment_id" text,
	"invoice_id" text,
	"idempotency_key" text,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "balances" (
	"account_id" text NOT NULL,
	"code" text NOT NULL,
	"amount" bigint NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "balances_account_id_code_pk" PRIMARY KEY("account_id","code")
);
--> statement-breakpoint
CREATE TABLE "pending_invoice_lines" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"subscription_id" text NOT NULL,
	"description" jsonb NOT NULL,
	"net_amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"clause" text,
	"billed_for" date,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "price_change_notices" (
	"id" text PRIMARY KEY NOT NULL,
	"price_change_id" text NOT NULL,
	"account_id" text NOT NULL,
	"subscription_id" text NOT NULL,
	"plan_code" text NOT NULL,
	"old_amount" bigint NOT NULL,
	"new_amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"sent_on" date NOT NULL,
	"received_on" date NOT NULL,
	"objection_until" date,
	"applies_from" date NOT NULL,
	"schedule_id" text NOT NULL,
	"status" text NOT NULL,
	"objected_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "price_changes" (
	"id" text PRIMARY KEY NOT NULL,
	"effective_date" date NOT NULL,
	"prices" jsonb NOT NULL,
	"provider_driven" boolean NOT NULL,
	"material" boolean NOT NULL,
	"announced_by" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscription_add_ons" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"subscription_id" text NOT NULL,
	"add_on_code" text NOT NULL,
	"renews" boolean NOT NULL,
	"price_amount" bigint NOT NULL,
	"price_currency" text NOT NULL,
	"frequency" text NOT NULL,
	"purchased_on" date NOT NULL,
	"ends_on" date,
	"payment_id" text,
	"invoice_id" text,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscription_schedule" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"subscription_id" text NOT NULL,
	"seq" integer NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"effective_from" date NOT NULL,
	"plan_code" text NOT NULL,
	"from_plan_code" text,
	"price_amount" bigint NOT NULL,
	"price_currency" text NOT NULL,
	"credit_amount" bigint,
	"price_change_id" text,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cookie_consents" (
	"id" text PRIMARY KEY NOT NULL,
	"site" text NOT NULL,
	"visitor_id" text NOT NULL,
	"action" text NOT NULL,
	"channel" text NOT NULL,
	"granted" jsonb NOT NULL,
	"denied" jsonb NOT NULL,
	"given" jsonb NOT NULL,
	"withdrawn" jsonb NOT NULL,
	"policy_version_id" text NOT NULL,
	"cookie_policy_version" text NOT NULL,
	"language" text NOT NULL,
	"ip_anonymised" text,
	"user_agent" text,
	"recorded_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "entrusted_activity" (
	"account_id" text NOT NULL,
	"contact_id" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"category" text,
	"ref" text NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "entrusted_activity_account_id_contact_id_id_pk" PRIMARY KEY("account_id","contact_id","id")
);
--> statement-breakpoint
CREATE TABLE "entrusted_agreements" (
	"account_id" text PRIMARY KEY NOT NULL,
	"concluded_at" timestamp (3) with time zone NOT NULL,
	"deletion_certified_at" timestamp (3) with time zone,
	"certified_by" text,
	"certificate" jsonb,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "entrusted_audits" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"requested_at" timestamp (3) with time zone NOT NULL,
	"audit_date" text NOT NULL,
	"requested_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "entrusted_authorised_persons" (
	"account_id" text NOT NULL,
	"person" text NOT NULL,
	"added_at" timestamp (3) with time zone NOT NULL,
	"added_by" text NOT NULL,
	CONSTRAINT "entrusted_authorised_persons_account_id_person_pk" PRIMARY KEY("account_id","person")
);
--> statement-breakpoint
CREATE TABLE "entrusted_compliance_notices" (
	"account_id" text NOT NULL,
	"id" text NOT NULL,
	"finding" text NOT NULL,
	"instruction_id" text,
	"found_at" timestamp (3) with time zone NOT NULL,
	"notified_at" timestamp (3) with time zone NOT NULL,
	"recipients" integer NOT NULL,
	"recorded_by" text NOT NULL,
	CONSTRAINT "entrusted_compliance_notices_account_id_id_pk" PRIMARY KEY("account_id","id")
);
--> statement-breakpoint
CREATE TABLE "entrusted_contacts" (
	"account_id" text NOT NULL,
	"id" text NOT NULL,
	"category" text,
	"title" text,
	"gender" text,
	"first_name" text,
	"middle_name" text,
	"last_name" text,
	"position" text,
	"birth_date" text,
	"birth_place" text,
	"name_day" text,
	"contact_source" text,
	"referrer_name" text,
	"company" text,
	"email" text,
	"website" text,
	"phone" text,
	"work_street" text,
	"work_postal_code" text,
	"work_city" text,
	"work_region" text,
	"work_country" text,
	"private_street" text,
	"private_postal_code" text,
	"private_city" text,
	"private_region" text,
	"private_country" text,
	"custom" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"support_consent_at" timestamp (3) with time zone,
	"basis" text,
	"consent_expires_on" date,
	"objected_on" date,
	"restricted_on" date,
	"csv_line" text GENERATED ALWAYS AS (coalesce(case when title ~ '[",\r\n]' then '"' || replace(title, '"', '""') || '"' else title end, '') || ',' || coalesce(case when gender ~ '[",\r\n]' then '"' || replace(gender, '"', '""') || '"' else gender end, '') || ',' || coalesce(case when first_name ~ '[",\r\n]' then '"' || replace(first_name, '"', '""') || '"' else first_name end, '') || ',' || coalesce(case when middle_name ~ '[",\r\n]' then '"' || replace(middle_name, '"', '""') || '"' else middle_name end, '') || ',' || coalesce(case when last_name ~ '[",\r\n]' then '"' || replace(last_name, '"', '""') || '"' else last_name end, '') || ',' || coalesce(case when position ~ '[",\r\n]' then '"' || replace(position, '"', '""') || '"' else position end, '') || ',' || coalesce(case when birth_date ~ '[",\r\n]' then '"' || replace(birth_date, '"', '""') || '"' else birth_date end, '') || ',' || coalesce(case when birth_place ~ '[",\r\n]' then '"' || replace(birth_place, '"', '""') || '"' else birth_place end, '') || ',' || coalesce(case when name_day ~ '[",\r\n]' then '"' || replace(name_day, '"', '""') || '"' else name_day end, '') || ',' || coalesce(case when contact_source ~ '[",\r\n]' then '"' || replace(contact_source, '"', '""') || '"' else contact_source end, '') || ',' || coalesce(case when referrer_name ~ '[",\r\n]' then '"' || replace(referrer_name, '"', '""') || '"' else referrer_name end, '') || ',' || coalesce(case when company ~ '[",\r\n]' then '"' || replace(company, '"', '""') || '"' else company end, '') || ',' || coalesce(case when email ~ '[",\r\n]' then '"' || replace(email, '"', '""') || '"' else email end, '') || ',' || coalesce(case when website ~ '[",\r\n]' then '"' || replace(website, '"', '""') || '"' else website end, '') || ',' || coalesce(case when phone ~ '[",\r\n]' then '"' || replace(phone, '"', '""') || '"' else phone end, '') || ',' || coalesce(case when work_street ~ '[",\r\n]' then '"' || replace(work_street, '"', '""') || '"' else work_street end, '') || ',' || coalesce(case when work_postal_code ~ '[",\r\n]' then '"' || replace(work_postal_code, '"', '""') || '"' else work_postal_code end, '') || ',' || coalesce(case when work_city ~ '[",\r\n]' then '"' || replace(work_city, '"', '""') || '"' else work_city end, '') || ',' || coalesce(case when work_region ~ '[",\r\n]' then '"' || replace(work_region, '"', '""') || '"' else work_region end, '') || ',' || coalesce(case when work_country ~ '[",\r\n]' then '"' || replace(work_country, '"', '""') || '"' else work_country end, '') || ',' || coalesce(case when private_street ~ '[",\r\n]' then '"' || replace(private_street, '"', '""') || '"' else private_street end, '') || ',' || coalesce(case when private_postal_code ~ '[",\r\n]' then '"' || replace(private_postal_code, '"', '""') || '"' else private_postal_code end, '') || ',' || coalesce(case when private_city ~ '[",\r\n]' then '"' || replace(private_city, '"', '""') || '"' else private_city end, '') || ',' || coalesce(case when private_region ~ '[",\r\n]' then '"' || replace(private_region, '"', '""') || '"' else private_region end, '') || ',' || coalesce(case when private_country ~ '[",\r\n]' then '"' || replace(private_country, '"', '""') || '"' else private_country end, '')) STORED,
	"email_norm" text,
	"first_norm" text,
	"last_norm" text,
	"phone_norm" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "entrusted_contacts_account_id_id_pk" PRIMARY KEY("account_id","id")
);
--> statement-breakpoint
CREATE TABLE "entrusted_custom_fields" (
	"account_id" text NOT NULL,
	"key" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"created_by" text NOT NULL,
	CONSTRAINT "entrusted_custom_fields_account_id_key_pk" PRIMARY KEY("account_id","key")
);
--> statement-breakpoint
CREATE TABLE "entrusted_features" (
	"account_id" text NOT NULL,
	"feature" text NOT NULL,
	"enabled" boolean NOT NULL,
	"changed_at" timestamp (3) with time zone NOT NULL,
	"changed_by" text NOT NULL,
	CONSTRAINT "entrusted_features_account_id_feature_pk" PRIMARY KEY("account_id","feature")
);
--> statement-breakpoint
CREATE TABLE "entrusted_forms" (
	"account_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"fields" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"published_at" timestamp (3) with time zone,
	CONSTRAINT "entrusted_forms_account_id_id_pk" PRIMARY KEY("account_id","id")
);
--> statement-breakpoint
CREATE TABLE "entrusted_instructions" (
	"account_id" text NOT NULL,
	"id" text NOT NULL,
	"channel" text NOT NULL,
	"sender" text NOT NULL,
	"extends_purpose" boolean NOT NULL,
	"summary" text NOT NULL,
	"received_at" timestamp (3) with time zone NOT NULL,
	"verdict" text NOT NULL,
	"executed_at" timestamp (3) with time zone,
	"recorded_by" text NOT NULL,
	CONSTRAINT "entrusted_instructions_account_id_id_pk" PRIMARY KEY("account_id","id")
);
--> statement-breakpoint
CREATE TABLE "entrusted_profiling_bases" (
	"account_id" text PRIMARY KEY NOT NULL,
	"basis" text NOT NULL,
	"recorded_on" date NOT NULL,
	"recorded_at" timestamp (3) with time zone NOT NULL,
	"recorded_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "entrusted_requests" (
	"account_id" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"received_at" timestamp (3) with time zone NOT NULL,
	"executed_at" timestamp (3) with time zone NOT NULL,
	"contacts" integer NOT NULL,
	"activities" integer NOT NULL,
	"actor" text NOT NULL,
	CONSTRAINT "entrusted_requests_account_id_id_pk" PRIMARY KEY("account_id","id")
);
--> statement-breakpoint
CREATE TABLE "entrusted_sensitive_declarations" (
	"account_id" text NOT NULL,
	"id" text NOT NULL,
	"has_basis" boolean NOT NULL,
	"measures_sufficient" boolean NOT NULL,
	"recorded_at" timestamp (3) with time zone NOT NULL,
	"recorded_by" text NOT NULL,
	CONSTRAINT "entrusted_sensitive_declarations_account_id_id_pk" PRIMARY KEY("account_id","id")
);
--> statement-breakpoint
CREATE TABLE "entrusted_transfers" (
	"account_id" text NOT NULL,
	"id" text NOT NULL,
	"integration" text NOT NULL,
	"direction" text NOT NULL,
	"requested_at" timestamp (3) with time zone NOT NULL,
	"outcome" text NOT NULL,
	"contacts" integer NOT NULL,
	"requested_by" text NOT NULL,
	CONSTRAINT "entrusted_transfers_account_id_id_pk" PRIMARY KEY("account_id","id")
);
--> statement-breakpoint
CREATE TABLE "processing_staff" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"authorised_at" timestamp (3) with time zone,
	"authorisation_revoked_at" timestamp (3) with time zone,
	"trained_at" timestamp (3) with time zone,
	"confidentiality_undertaken_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "support_access_grants" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"subject" text NOT NULL,
	"filed_by" text NOT NULL,
	"filed_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"closed_at" timestamp (3) with time zone,
	"closed_by" text
);
--> statement-breakpoint
CREATE TABLE "account_cancellations" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"channel" text NOT NULL,
	"requested_at" timestamp (3) with time zone NOT NULL,
	"effective_at" timestamp (3) with time zone NOT NULL,
	"confirmation_message_id" text,
	"status" text NOT NULL,
	"actor" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "account_state_journal" (
	"account_id" text PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"row" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "account_states" (
	"account_id" text PRIMARY KEY NOT NULL,
	"policy_version_id" text NOT NULL,
	"clock_id" text,
	"state" text NOT NULL,
	"plan_code" text NOT NULL,
	"state_since" timestamp (3) with time zone NOT NULL,
	"trial_ends_at" timestamp (3) with time zone,
	"free_ends_at" timestamp (3) with time zone,
	"changed_at" timestamp (3) with time zone NOT NULL,
	"contract_ended_at" timestamp (3) with time zone,
	"restorable_until" timestamp (3) with time zone,
	"waived_unpaid_anchor" date,
	"unpaid_anchor" date
);
--> statement-breakpoint
CREATE TABLE "account_suspensions" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"requested_at" timestamp (3) with time zone NOT NULL,
	"starts_on" date NOT NULL,
	"reactivate_on" date NOT NULL,
	"status" text NOT NULL,
	"ended_at" timestamp (3) with time zone,
	"actor" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deletion_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"requested_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"confirmed_at" timestamp (3) with time zone,
	"actor" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "discontinuations" (
	"id" text PRIMARY KEY NOT NULL,
	"feature" text,
	"effective_on" date NOT NULL,
	"time_zone" text NOT NULL,
	"announced_at" timestamp (3) with time zone NOT NULL,
	"clause" text,
	"notified" integer NOT NULL,
	"actor" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "restore_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"from_state" text NOT NULL,
	"requested_at" timestamp (3) with time zone NOT NULL,
	"status" text NOT NULL,
	"decided_at" timestamp (3) with time zone,
	"decided_by" text,
	"reason" text,
	"agreement_ref" text,
	"actor" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "function_outages" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"function" text NOT NULL,
	"from_at" timestamp (3) with time zone NOT NULL,
	"to_at" timestamp (3) with time zone NOT NULL,
	"reported_by" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "operator_actions" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"action" text NOT NULL,
	"ground" text NOT NULL,
	"clause" text NOT NULL,
	"reason" text NOT NULL,
	"evidence" jsonb NOT NULL,
	"actor" text NOT NULL,
	"scope" text,
	"resource_id" text,
	"access" text,
	"status" text NOT NULL,
	"effective_at" timestamp (3) with time zone,
	"effective_basis" text,
	"terminable_from" timestamp (3) with time zone,
	"lifted_at" timestamp (3) with time zone,
	"lifted_by" text,
	"lift_reason" text,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "refund_obligations" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"source_kind" text NOT NULL,
	"source_id" text NOT NULL,
	"payment_id" text NOT NULL,
	"reason" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"due_by" date NOT NULL,
	"method" text NOT NULL,
	"status" text NOT NULL,
	"refund_id" text,
	"reference" text,
	"refunded_at" timestamp (3) with time zone,
	"failure" text,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "refusal_list" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"tax_id" text,
	"email" text,
	"action_id" text NOT NULL,
	"ground" text NOT NULL,
	"listed_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "withdrawals" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"channel" text NOT NULL,
	"stated_ground" text NOT NULL,
	"sent_at" timestamp (3) with time zone NOT NULL,
	"received_at" timestamp (3) with time zone NOT NULL,
	"counts_from" date NOT NULL,
	"last_day" date NOT NULL,
	"nominal_last_day" date NOT NULL,
	"refund_due_by" date NOT NULL,
	"actor" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recruitment_candidates" (
	"id" text PRIMARY KEY NOT NULL,
	"recruitment_id" text NOT NULL,
	"name" text NOT NULL,
	"email" text NOT NULL,
	"extra" jsonb NOT NULL,
	"talent_pool_consent_at" timestamp (3) with time zone,
	"talent_pool_withdrawn_at" timestamp (3) with time zone,
	"applied_at" timestamp (3) with time zone NOT NULL,
	"keep_until" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "recruitments" (
	"id" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"clock_id" text,
	"opened_at" timestamp (3) with time zone NOT NULL,
	"closed_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "dsr_routed_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"controller_account_id" text NOT NULL,
	"clock_id" text,
	"type" text NOT NULL,
	"channel" text NOT NULL,
	"received_at" timestamp (3) with time zone NOT NULL,
	"received_on" text NOT NULL,
	"due_on" text NOT NULL,
	"routed_at" timestamp (3) with time zone NOT NULL,
	"clause" text,
	"requester_email" text,
	"statement" text,
	"created_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "visitor_records" (
	"id" text PRIMARY KEY NOT NULL,
	"identifier" text,
	"cookie" text NOT NULL,
	"identifier_set_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"data" jsonb NOT NULL,
	"clock_id" text,
	"account_id" text,
	"linked_at" timestamp (3) with time zone,
	"anonymised_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "privacy_disclosures" (
	"id" text PRIMARY KEY NOT NULL,
	"recipient" text NOT NULL,
	"requester" text NOT NULL,
	"legal_ground" text,
	"reference" text,
	"subjects" jsonb NOT NULL,
	"fields" jsonb NOT NULL,
	"disclosed_on" text NOT NULL,
	"clause" text NOT NULL,
	"recorded_by" text NOT NULL,
	"recorded_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "consent_ledger" (
	"id" text PRIMARY KEY NOT NULL,
	"subject_id" text NOT NULL,
	"account_id" text,
	"purpose" text NOT NULL,
	"action" text NOT NULL,
	"basis" text NOT NULL,
	"wording_version" text NOT NULL,
	"wording_sha256" text NOT NULL,
	"language" text NOT NULL,
	"channel" text NOT NULL,
	"ip" text,
	"user_agent" text,
	"recorded_by" text NOT NULL,
	"request_id" text,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"recorded_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "consent_states" (
	"subject_id" text NOT NULL,
	"purpose" text NOT NULL,
	"account_id" text,
	"status" text NOT NULL,
	"basis" text NOT NULL,
	"changed_at" timestamp (3) with time zone NOT NULL,
	"ledger_id" text NOT NULL,
	CONSTRAINT "consent_states_subject_id_purpose_pk" PRIMARY KEY("subject_id","purpose")
);
--> statement-breakpoint
CREATE TABLE "dsr_identity_documents" (
	"id" text PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"file_name" text NOT NULL,
	"content_type" text NOT NULL,
	"content" text NOT NULL,
	"size" integer NOT NULL,
	"received_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dsr_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"subject_id" text NOT NULL,
	"account_id" text,
	"clock_id" text,
	"policy_version_id" text NOT NULL,
	"type" text NOT NULL,
	"channel" text NOT NULL,
	"received_at" timestamp (3) with time zone NOT NULL,
	"received_on" text NOT NULL,
	"due_on" text NOT NULL,
	"due_clause" text NOT NULL,
	"extended_due_on" text,
	"extension_reason" text,
	"status" text NOT NULL,
	"identity" text NOT NULL,
	"statement" text,
	"details" jsonb NOT NULL,
	"requester_email" text,
	"locale" text NOT NULL,
	"fee_amount" bigint,
	"fee_currency" text,
	"fee_basis" text,
	"fee_accepted_at" timestamp (3) with time zone,
	"outcome" text,
	"overdue_at" timestamp (3) with time zone,
	"closed_at" timestamp (3) with time zone,
	"created_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "privacy_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"secret" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "privacy_subjects" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text,
	"user_id" text,
	"email" text,
	"email_hash" text NOT NULL,
	"marketing_objected_at" timestamp (3) with time zone,
	"profiling_objected_at" timestamp (3) with time zone,
	"restricted_at" timestamp (3) with time zone,
	"restricted_by" text,
	"restriction_ends_on" text,
	"erased_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "account_integration_switches" (
	"account_id" text NOT NULL,
	"integration" text NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"seq" integer NOT NULL,
	"enabled" boolean NOT NULL,
	"actor" text NOT NULL,
	CONSTRAINT "account_integration_switches_account_id_integration_seq_pk" PRIMARY KEY("account_id","integration","seq")
);
--> statement-breakpoint
CREATE TABLE "account_integrations" (
	"account_id" text NOT NULL,
	"integration" text NOT NULL,
	"enabled" boolean NOT NULL,
	"changed_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "account_integrations_account_id_integration_pk" PRIMARY KEY("account_id","integration")
);
--> statement-breakpoint
CREATE TABLE "breach_accounts" (
	"breach_id" text NOT NULL,
	"account_id" text NOT NULL,
	CONSTRAINT "breach_accounts_breach_id_account_id_pk" PRIMARY KEY("breach_id","account_id")
);
--> statement-breakpoint
CREATE TABLE "breach_notices" (
	"breach_id" text NOT NULL,
	"recipient" text NOT NULL,
	"due_at" timestamp (3) with time zone,
	"clause" text,
	"notified_at" timestamp (3) with time zone,
	"content" jsonb,
	"recipients" integer,
	"overdue_at" timestamp (3) with time zone,
	CONSTRAINT "breach_notices_breach_id_recipient_pk" PRIMARY KEY("breach_id","recipient")
);
--> statement-breakpoint
CREATE TABLE "breaches" (
	"id" text PRIMARY KEY NOT NULL,
	"clock_id" text,
	"policy_version_id" text NOT NULL,
	"aware_at" timestamp (3) with time zone NOT NULL,
	"status" text NOT NULL,
	"details" jsonb NOT NULL,
	"high_risk" boolean NOT NULL,
	"recorded_at" timestamp (3) with time zone NOT NULL,
	"recorded_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recipients" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"purpose_pl" text NOT NULL,
	"purpose_en" text NOT NULL,
	"location" text NOT NULL,
	"integration" text,
	"transfer_basis" text,
	"basis_reference" text,
	"basis_date" date,
	"added_at" timestamp (3) with time zone NOT NULL,
	"added_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sub_processor_changes" (
	"id" text PRIMARY KEY NOT NULL,
	"sub_processor_id" text NOT NULL,
	"kind" text NOT NULL,
	"replaces_id" text,
	"effective_on" date NOT NULL,
	"announced_at" timestamp (3) with time zone NOT NULL,
	"announced_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sub_processor_notices" (
	"change_id" text NOT NULL,
	"account_id" text NOT NULL,
	"clock_id" text,
	"policy_version_id" text NOT NULL,
	"sent_at" timestamp (3) with time zone NOT NULL,
	"counts_from" date NOT NULL,
	"objection_until" date,
	"applies_from" date NOT NULL,
	"message_id" text,
	CONSTRAINT "sub_processor_notices_change_id_account_id_pk" PRIMARY KEY("change_id","account_id")
);
--> statement-breakpoint
CREATE TABLE "sub_processor_objections" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"sub_processor_id" text NOT NULL,
	"change_id" text,
	"received_at" timestamp (3) with time zone NOT NULL,
	"justification" text,
	"documentation" text,
	"status" text NOT NULL,
	"decided_at" timestamp (3) with time zone,
	"decision_reason" text,
	"consequence" text,
	"created_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sub_processors" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"address" text,
	"purpose_pl" text NOT NULL,
	"purpose_en" text NOT NULL,
	"location" text NOT NULL,
	"safeguard" text NOT NULL,
	"scope" text NOT NULL,
	"effective_on" date,
	"agreement_recorded_at" timestamp (3) with time zone,
	"source" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "legal_holds" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"subject_id" text,
	"reason" text NOT NULL,
	"set_by" text NOT NULL,
	"set_at" timestamp (3) with time zone NOT NULL,
	"lifted_by" text,
	"lifted_at" timestamp (3) with time zone,
	"lift_reason" text
);
--> statement-breakpoint
CREATE TABLE "retention_journal" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"category" text NOT NULL,
	"handler" text NOT NULL,
	"action" text NOT NULL,
	"keep" jsonb NOT NULL,
	"held_subjects" jsonb NOT NULL,
	"before" timestamp (3) with time zone,
	"at" timestamp (3) with time zone NOT NULL,
	"recorded_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "retention_status" (
	"account_id" text NOT NULL,
	"category" text NOT NULL,
	"trigger_at" timestamp (3) with time zone,
	"purge_at" timestamp (3) with time zone,
	"warn_at" timestamp (3) with time zone,
	"warned_at" timestamp (3) with time zone,
	"done_at" timestamp (3) with time zone,
	"rows" integer DEFAULT 0 NOT NULL,
	"note" text,
	CONSTRAINT "retention_status_account_id_category_pk" PRIMARY KEY("account_id","category")
);
--> statement-breakpoint
CREATE TABLE "test_clocks" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"frozen_time" timestamp (3) with time zone NOT NULL,
	"status" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "due_items" (
	"account_id" text NOT NULL,
	"kind" text NOT NULL,
	"ref" text DEFAULT '' NOT NULL,
	"due_at" timestamp (3) with time zone NOT NULL,
	"clock_id" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"failed_at" timestamp (3) with time zone,
	CONSTRAINT "due_items_account_id_kind_ref_pk" PRIMARY KEY("account_id","kind","ref")
);
--> statement-breakpoint
CREATE TABLE "chain_heads" (
	"chain_id" text PRIMARY KEY NOT NULL,
	"seq" integer NOT NULL,
	"hash" text NOT NULL,
	"checkpointed_seq" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "checkpoint_heads" (
	"checkpoint_seq" integer NOT NULL,
	"chain_id" text NOT NULL,
	"seq" integer NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "checkpoint_heads_checkpoint_seq_chain_id_pk" PRIMARY KEY("checkpoint_seq","chain_id")
);
--> statement-breakpoint
CREATE TABLE "checkpoints" (
	"seq" serial PRIMARY KEY NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"chains" integer NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"chain_id" text NOT NULL,
	"seq" integer NOT NULL,
	"id" text NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"recorded_at" timestamp (3) with time zone NOT NULL,
	"type" text NOT NULL,
	"clause" text,
	"actor" text NOT NULL,
	"cause" text,
	"data" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "events_chain_id_seq_pk" PRIMARY KEY("chain_id","seq")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"principal" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status_code" integer NOT NULL,
	"response" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_principal_key_pk" PRIMARY KEY("principal","key")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text,
	"channel" text NOT NULL,
	"template" text NOT NULL,
	"clause" text,
	"recipient" text NOT NULL,
	"locale" text NOT NULL,
	"subject" text NOT NULL,
	"body" jsonb NOT NULL,
	"dedupe_key" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"sent_at" timestamp (3) with time zone,
	"provider_message_id" text,
	"last_error" text,
	"message_class" text DEFAULT 'transactional' NOT NULL,
	"purpose" text,
	"headers" jsonb,
	"suppressed_reason" text,
	"deemed_delivered_on" text,
	"proven_delivered_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "policy_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"policy_id" text NOT NULL,
	"version" text NOT NULL,
	"hash" text NOT NULL,
	"content" jsonb NOT NULL,
	"first_loaded_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "policy_versions_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
CREATE INDEX "acceptances_account_idx" ON "acceptances" USING btree ("account_id","document_kind");--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_subdomain_idx" ON "accounts" USING btree ("subdomain");--> statement-breakpoint
CREATE INDEX "accounts_tax_id_idx" ON "accounts" USING btree ("tax_id");--> statement-breakpoint
CREATE INDEX "accounts_clock_idx" ON "accounts" USING btree ("clock_id");--> statement-breakpoint
CREATE INDEX "registration_reviews_account_idx" ON "registration_reviews" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "sessions_user_idx" ON "sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "user_tokens_user_idx" ON "user_tokens" USING btree ("user_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_idx" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "users_account_idx" ON "users" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "account_credits_account_idx" ON "account_credits" USING btree ("account_id","currency");--> statement-breakpoint
CREATE UNIQUE INDEX "invoices_number_idx" ON "invoices" USING btree ("series","number");--> statement-breakpoint
CREATE INDEX "invoices_ksef_pending_idx" ON "invoices" USING btree ("ksef_status") WHERE "invoices"."ksef_status" in ('pending', 'sent');--> statement-breakpoint
CREATE INDEX "invoices_account_idx" ON "invoices" USING btree ("account_id","issue_date");--> statement-breakpoint
CREATE INDEX "pack_orders_account_idx" ON "pack_orders" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "payment_charges_due_idx" ON "payment_charges" USING btree ("next_attempt_at") WHERE "payment_charges"."status" <> 'settled';--> statement-breakpoint
CREATE INDEX "payment_links_invoice_idx" ON "payment_links" USING btree ("invoice_id");--> statement-breakpoint
CREATE INDEX "payment_methods_account_idx" ON "payment_methods" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "payments_account_idx" ON "payments" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "refunds_account_idx" ON "refunds" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_live_idx" ON "subscriptions" USING btree ("account_id") WHERE "subscriptions"."status" <> 'ended';--> statement-breakpoint
CREATE INDEX "vat_id_checks_account_idx" ON "vat_id_checks" USING btree ("account_id","checked_at");--> statement-breakpoint
CREATE UNIQUE INDEX "balance_entries_key_idx" ON "balance_entries" USING btree ("account_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "balance_entries_payment_idx" ON "balance_entries" USING btree ("payment_id");--> statement-breakpoint
CREATE INDEX "pending_invoice_lines_subscription_idx" ON "pending_invoice_lines" USING btree ("subscription_id");--> statement-breakpoint
CREATE INDEX "price_change_notices_account_idx" ON "price_change_notices" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "price_change_notices_once_idx" ON "price_change_notices" USING btree ("price_change_id","subscription_id");--> statement-breakpoint
CREATE INDEX "subscription_add_ons_account_idx" ON "subscription_add_ons" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "subscription_schedule_seq_idx" ON "subscription_schedule" USING btree ("subscription_id","seq");--> statement-breakpoint
CREATE INDEX "cookie_consents_visitor_idx" ON "cookie_consents" USING btree ("site","visitor_id","id");--> statement-breakpoint
CREATE INDEX "cookie_consents_recorded_idx" ON "cookie_consents" USING btree ("recorded_at");--> statement-breakpoint
CREATE INDEX "entrusted_activity_category_idx" ON "entrusted_activity" USING btree ("account_id","category","occurred_at");--> statement-breakpoint
CREATE INDEX "entrusted_audits_account_idx" ON "entrusted_audits" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "entrusted_contacts_email_idx" ON "entrusted_contacts" USING btree ("account_id","email_norm" collate "C","id");--> statement-breakpoint
CREATE INDEX "entrusted_contacts_last_idx" ON "entrusted_contacts" USING btree ("account_id","last_norm" collate "C","id");--> statement-breakpoint
CREATE INDEX "entrusted_contacts_first_idx" ON "entrusted_contacts" USING btree ("account_id","first_norm" collate "C","id");--> statement-breakpoint
CREATE INDEX "entrusted_contacts_phone_idx" ON "entrusted_contacts" USING btree ("account_id","phone_norm" collate "C","id");--> statement-breakpoint
CREATE INDEX "support_access_grants_account_idx" ON "support_access_grants" USING btree ("account_id","filed_at");--> statement-breakpoint
CREATE INDEX "account_cancellations_account_idx" ON "account_cancellations" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "account_state_journal_seq_idx" ON "account_state_journal" USING btree ("seq");--> statement-breakpoint
CREATE INDEX "account_states_state_idx" ON "account_states" USING btree ("state");--> statement-breakpoint
CREATE INDEX "account_suspensions_account_idx" ON "account_suspensions" USING btree ("account_id","requested_at");--> statement-breakpoint
CREATE INDEX "restore_requests_status_idx" ON "restore_requests" USING btree ("status","requested_at");--> statement-breakpoint
CREATE INDEX "function_outages_account_idx" ON "function_outages" USING btree ("account_id","from_at");--> statement-breakpoint
CREATE INDEX "operator_actions_account_idx" ON "operator_actions" USING btree ("account_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "refund_obligations_payment_idx" ON "refund_obligations" USING btree ("source_id","payment_id");--> statement-breakpoint
CREATE INDEX "refund_obligations_account_idx" ON "refund_obligations" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "refusal_list_tax_id_idx" ON "refusal_list" USING btree ("tax_id");--> statement-breakpoint
CREATE INDEX "refusal_list_email_idx" ON "refusal_list" USING btree ("email");--> statement-breakpoint
CREATE UNIQUE INDEX "withdrawals_account_idx" ON "withdrawals" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "recruitment_candidates_recruitment_idx" ON "recruitment_candidates" USING btree ("recruitment_id");--> statement-breakpoint
CREATE INDEX "dsr_routed_controller_idx" ON "dsr_routed_requests" USING btree ("controller_account_id");--> statement-breakpoint
CREATE INDEX "visitor_records_identifier_idx" ON "visitor_records" USING btree ("identifier");--> statement-breakpoint
CREATE INDEX "visitor_records_account_idx" ON "visitor_records" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "privacy_disclosures_on_idx" ON "privacy_disclosures" USING btree ("disclosed_on");--> statement-breakpoint
CREATE INDEX "consent_ledger_subject_idx" ON "consent_ledger" USING btree ("subject_id","id");--> statement-breakpoint
CREATE INDEX "consent_ledger_account_idx" ON "consent_ledger" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "dsr_identity_documents_request_idx" ON "dsr_identity_documents" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "dsr_requests_open_idx" ON "dsr_requests" USING btree ("due_on") WHERE closed_at is null;--> statement-breakpoint
CREATE INDEX "dsr_requests_subject_idx" ON "dsr_requests" USING btree ("subject_id");--> statement-breakpoint
CREATE UNIQUE INDEX "privacy_subjects_hash_idx" ON "privacy_subjects" USING btree ("email_hash");--> statement-breakpoint
CREATE INDEX "privacy_subjects_account_idx" ON "privacy_subjects" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "breach_accounts_account_id_index" ON "breach_accounts" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "breach_notices_due_at_index" ON "breach_notices" USING btree ("due_at") WHERE notified_at is null;--> statement-breakpoint
CREATE INDEX "sub_processor_notices_account_id_index" ON "sub_processor_notices" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "sub_processor_objections_account_id_sub_processor_id_index" ON "sub_processor_objections" USING btree ("account_id","sub_processor_id");--> statement-breakpoint
CREATE INDEX "legal_holds_active_idx" ON "legal_holds" USING btree ("account_id") WHERE lifted_at is null;--> statement-breakpoint
CREATE INDEX "retention_journal_at_idx" ON "retention_journal" USING btree ("recorded_at");--> statement-breakpoint
CREATE INDEX "due_items_clock_due_idx" ON "due_items" USING btree ("clock_id","due_at") WHERE failed_at is null;--> statement-breakpoint
CREATE INDEX "events_type_idx" ON "events" USING btree ("type","occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_dedupe_idx" ON "outbox" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox" USING btree ("next_attempt_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "outbox_account_idx" ON "outbox" USING btree ("account_id","created_at");