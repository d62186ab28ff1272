import {
  addDays,
  customerDeadline,
  hourDeadline,
  type LocalDate,
  localDateOf,
  makeBusinessCalendar,
} from '../../platform/calendar.ts';
import type { Policy, RetentionCategory } from '../../policy/index.ts';

// ---------------------------------------------------------------------------------------------------
// Sub-processor changes

export type ChangeTiming = {
  /** The day the objection window counts from: the sending day, or deemed delivery. */
  countsFrom: LocalDate;
  /** The last day an objection is accepted; null where the terms give no objection right. */
  objectionUntil: LocalDate | null;
  /** The first day the new sub-processor may process this customer's data (absent a blocking objection). */
  appliesFrom: LocalDate;
};

/**
 * When a new sub-processor announced to a customer at `sentAt` may reach its data. The window counts from
 * what the terms say: deemed delivery (`notifications.deemedDeliveryDays` after sending, QU-NOT-01) or the
 * sending day. A window in business days ends on the n-th business day after it (QU-PRC-11: emailed Mon
 * 2026-06-01, deemed delivered Thu 2026-06-04, objections through Tue 2026-06-09, used from 2026-06-10); a
 * window in days is a customer deadline, moved off weekends and holidays (BK-PRC-11: sent 2026-09-01,
 * objections through 2026-09-15, used from 2026-09-16). Never before the change's own effective day.
 */
export function changeTiming(policy: Policy, input: { sentAt: Date; effectiveOn: LocalDate }): ChangeTiming {
  const tz = policy.locale.timeZone;
  const sentOn = localDateOf(input.sentAt, tz);
  const rule = policy.processor.subProcessorChanges;
  if (!rule) {
    return { countsFrom: sentOn, objectionUntil: null, appliesFrom: later(input.effectiveOn, sentOn) };
  }
  const countsFrom =
    rule.countsFrom === 'deemed_delivery'
      ? addDays(sentOn, policy.notifications.deemedDeliveryDays ?? 0)
      : sentOn;
  const calendar = makeBusinessCalendar(policy.locale.businessCalendar);
  const window = rule.objectionWindow;
  const objectionUntil =
    window.businessDays !== undefined
      ? calendar.addBusinessDays(countsFrom, window.businessDays)
      : customerDeadline(countsFrom, window.days ?? 0, tz, calendar).lastDay;
  return { countsFrom, objectionUntil, appliesFrom: later(input.effectiveOn, addDays(objectionUntil, 1)) };
}

export type ObjectionTiming =
  | { accepted: true; clause: string | null }
  | { accepted: false; reason: 'not_offered' }
  | { accepted: false; reason: 'late'; lastDay: LocalDate | null };

/**
 * Whether an objection received on `receivedOn` is accepted. Against a new sub-processor it must arrive by
 * the last day of the customer's window: that day accepted, the next refused (QU-PRC-11, BK-PRC-11).
 * Against a current one it is accepted at any time only where a justified objection ends the
 * sub-entrustment (BK-PRC-12, A12); otherwise it is late. Terms without an objection right refuse it.
 */
export function decideObjectionTiming(
  policy: Policy,
  input: { receivedOn: LocalDate; objectionUntil: LocalDate | null; hasNotice: boolean },
): ObjectionTiming {
  const rule = policy.processor.subProcessorChanges;
  if (!rule) return { accepted: false, reason: 'not_offered' };
  const clauses = policy.processor.clauses;
  if (input.hasNotice && input.objectionUntil !== null && input.receivedOn <= input.objectionUntil) {
    return { accepted: true, clause: clauses.subProcessorChanges ?? null };
  }
  if (rule.objectionEffect === 'blocks_if_justified') {
    return { accepted: true, clause: clauses.subProcessorObjection ?? clauses.subProcessorChanges ?? null };
  }
  return { accepted: false, reason: 'late', lastDay: input.hasNotice ? input.objectionUntil : null };
}

/** The fields an objection must carry: a justified, documented one under BK-PRC-11/12. */
export function missingObjectionFields(
  policy: Policy,
  input: { justification: string | null; documentation: string | null },
): string[] {
  if (policy.processor.subProcessorChanges?.objectionEffect !== 'blocks_if_justified') return [];
  return [
    ...(input.justification ? [] : ['justification']),
    ...(input.documentation ? [] : ['documentation']),
  ];
}

/**
 * Whether an objection in this status keeps the sub-processor away from the customer's data. An accepted
 * objection blocks from its receipt under both presets: QU-PRC-11 (no objection within the window is the
 * condition of use) and BK annex 1 ust. 16 ("w razie zgłoszenia sprzeciwu Administrator nie ma prawa
 * powierzyć danych", and a current one must end "niezwłocznie"); only a rejection, where the terms let the
 * provider question the objection's grounds (BK), lifts it.
 */
export function objectionBlocks(status: 'pending' | 'upheld' | 'rejected'): boolean {
  return status !== 'rejected';
}

export type ObjectionDecision =
  | {
      ok: true;
      status: 'upheld' | 'rejected';
      consequence: 'blocked' | 'customer_may_terminate' | 'provider_may_stop_service' | null;
    }
  | { ok: false; reason: 'binding' | 'reason_required' };

/**
 * The operator's decision on an objection. Upheld: the sub-processor is not used for that customer's data;
 * where the service cannot run without it, the terms' consequence: the customer may terminate with a
 * pro-rata refund (QU A21) or the provider may stop the service, refunding unused prepaid fees (BK-PRC-12,
 * A12). Rejected: only where the objection had to be justified (BK), and always with a reason; a timely
 * objection under terms that make it binding cannot be rejected (QU-PRC-11).
 */
export function decideObjectionOutcome(
  policy: Policy,
  input: { outcome: 'upheld' | 'rejected'; reason: string | null; serviceImpossible: boolean },
): ObjectionDecision {
  const effect = policy.processor.subProcessorChanges?.objectionEffect ?? 'blocks_if_justified';
  if (input.outcome === 'rejected') {
    if (effect === 'blocks_for_customer') return { ok: false, reason: 'binding' };
    if (!input.reason) return { ok: false, reason: 'reason_required' };
    return { ok: true, status: 'rejected', consequence: null };
  }
  const consequence = !input.serviceImpossible
    ? 'blocked'
    : effect === 'blocks_for_customer'
      ? 'customer_may_terminate'
      : 'provider_may_stop_service';
  return { ok: true, status: 'upheld', consequence };
}

// ---------------------------------------------------------------------------------------------------
// A customer's view of the registry

export type RegistryEntry = {
  id: string;
  name: string;
  address: string | null;
  purpose: { pl: string; en: string };
  location: string;
  safeguard: 'adequacy' | 'scc' | 'eea';
  scope: string;
  effectiveOn: LocalDate | null;
  agreementRecordedAt: Date | null;
  /** The change that introduced it, and the entry it replaces. */
  changeId: string | null;
  replacesId: string | null;
};

export type CustomerEntry = RegistryEntry & {
  status: 'in_use' | 'announced' | 'blocked';
  objectionUntil: LocalDate | null;
  appliesFrom: LocalDate | null;
};

/**
 * The sub-processors that process one customer's data on `today` (QU-PRC-10, BK-PRC-10): those for every
 * customer, and those of the integrations it has switched on; a newly announced one as `announced` until
 * its window has run, then `in_use`; one an objection keeps away as `blocked`. An entry replaced by a new
 * one leaves the list the day the new one reaches the customer (and stays while the new one is blocked).
 */
export function customerRegistry(
  entries: readonly RegistryEntry[],
  facts: {
    today: LocalDate;
    integrations: ReadonlySet<string>;
    notices: ReadonlyMap<string, { objectionUntil: LocalDate | null; appliesFrom: LocalDate }>;
    objections: ReadonlyMap<string, 'pending' | 'upheld' | 'rejected'>;
  },
): CustomerEntry[] {
  const inScope = (e: RegistryEntry) =>
    e.scope === 'all' || facts.integrations.has(e.scope.slice('integration:'.length));
  const view = new Map<string, CustomerEntry>();
  for (const entry of entries) {
    if (!inScope(entry)) continue;
    const notice = entry.changeId ? facts.notices.get(entry.changeId) : undefined;
    const objection = facts.objections.get(entry.id);
    const appliesFrom = notice?.appliesFrom ?? entry.effectiveOn;
    const status =
      objection && objectionBlocks(objection)
        ? 'blocked'
        : appliesFrom && facts.today < appliesFrom
          ? 'announced'
          : 'in_use';
    view.set(entry.id, { ...entry, status, objectionUntil: notice?.objectionUntil ?? null, appliesFrom });
  }
  for (const entry of view.values()) {
    if (entry.replacesId && entry.status === 'in_use') view.delete(entry.replacesId);
  }
  return [...view.values()];
}

// ---------------------------------------------------------------------------------------------------
// Breaches

export type BreachRecipient = 'customers' | 'authority' | 'data_subjects';

/**
 * The notice deadlines of a breach, counted in elapsed hours from the recorded awareness or suspicion
 * (catalog conventions): to the affected customers (BK-PRC-06: 24 h; QU-PRC-07: 24 h; HT-SEC-01: 72 h) and
 * to the supervisory authority (GDPR art. 33(1): 72 h). Data subjects have no hour deadline ("without undue
 * delay", art. 34), so no alarm.
 */
export function breachDeadlines(
  policy: Policy,
  awareAt: Date,
): { recipient: BreachRecipient; dueAt: Date | null; clause: string | null }[] {
  const hours = policy.notifications.breachNotifyHours;
  const clauses = policy.notifications.clauses ?? {};
  return [
    {
      recipient: 'customers',
      dueAt: hours.customers === null ? null : hourDeadline(awareAt, hours.customers),
      clause: clauses.breachCustomers ?? null,
    },
    {
      recipient: 'authority',
      dueAt: hours.authority === null ? null : hourDeadline(awareAt, hours.authority),
      clause: clauses.breachRecord ?? null,
    },
    { recipient: 'data_subjects', dueAt: null, clause: null },
  ];
}

/**
 * What each notice must state. To customers: the circumstances, the likely causes, the measures taken and
 * the documentation (BK-PRC-06), with the categories and approximate number of people affected (QU-PRC-07).
 * To the authority, GDPR art. 33(3): the nature with categories and approximate numbers of people and
 * records, the likely consequences and the measures (the DPO's contact comes from the policy). To data
 * subjects, art. 34(2): the nature, the likely consequences and the measures.
 */
export const requiredNoticeFields: Record<BreachRecipient, readonly string[]> = {
  customers: [
    'circumstances',
    'likelyCauses',
    'measures',
    'documentation',
    'dataCategories',
    'approxSubjects',
  ],
  authority: [
    'circumstances',
    'dataCategories',
    'approxSubjects',
    'approxRecords',
    'likelyConsequences',
    'measures',
  ],
  data_subjects: ['circumstances', 'likelyConsequences', 'measures'],
};

export function missingNoticeFields(recipient: BreachRecipient, details: Record<string, unknown>): string[] {
  return requiredNoticeFields[recipient].filter((field) => {
    const value = details[field];
    if (value === undefined || value === null) return true;
    if (typeof value === 'string') return value.trim() === '';
    if (Array.isArray(value)) return value.length === 0;
    return false;
  });
}

/** Whether a notice due at `dueAt` and not yet made is overdue at `now`: at the deadline itself, yes. */
export function isNoticeOverdue(notice: { dueAt: Date | null; notifiedAt: Date | null }, now: Date): boolean {
  return notice.dueAt !== null && notice.notifiedAt === null && now.getTime() >= notice.dueAt.getTime();
}

// ---------------------------------------------------------------------------------------------------
// Records of processing (GDPR art. 30)

export type RecordRow = {
  role: 'controller' | 'processor';
  activity: string;
  name: string;
  controller: string;
  processor: string;
  contact: string;
  dataSubjects: string;
  dataCategories: string;
  recipients: string;
  transfers: string;
  retention: string;
  security: string;
  clause: string;
};

export const recordColumns: readonly (keyof RecordRow)[] = [
  'role',
  'activity',
  'name',
  'controller',
  'processor',
  'contact',
  'dataSubjects',
  'dataCategories',
  'recipients',
  'transfers',
  'retention',
  'security',
  'clause',
];

const words = {
  pl: {
    customers: 'klienci (firmy) i ich użytkownicy',
    contacts: 'kontakty klienta (osoby, których dane klient powierzył)',
    eachCustomer: 'każdy klient usługi (administrator powierzonych danych)',
    none: 'brak',
    allCustomers: 'wszyscy klienci',
    integration: (id: string) => `tylko klienci z włączoną integracją ${id}`,
    safeguard: {
      adequacy: 'decyzja stwierdzająca odpowiedni stopień ochrony',
      scc: 'standardowe klauzule umowne',
    },
    from: (trigger: string) => `od zdarzenia: ${trigger}`,
    kept: 'przechowywane',
    action: { delete: 'usunięcie', anonymise: 'anonimizacja', review: 'przegląd' },
    years: (n: number) =>
      n === 1 ? 'rok' : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? 'lata' : 'lat',
    months: 'mies.',
    days: 'dni',
    tls: 'szyfrowanie połączeń TLS',
    residency: (r: string) => `dane przechowywane w: ${r.toUpperCase()}`,
    tier: (t: string) => `centrum danych Tier ${t}`,
    confidentiality: 'zobowiązanie personelu do poufności',
    lockout: (n: number) => `blokada po ${n} nieudanych logowaniach`,
    entrusted: 'Przetwarzanie danych powierzonych przez klientów',
  },
  en: {
    customers: 'customers (companies) and their users',
    contacts: "the customer's contacts (people whose data the customer entrusted)",
    eachCustomer: 'each customer of the service (controller of the entrusted data)',
    none: 'none',
    allCustomers: 'all customers',
    integration: (id: string) => `only customers with the ${id} integration on`,
    safeguard: { adequacy: 'adequacy decision', scc: 'standard contractual clauses' },
    from: (trigger: string) => `from: ${trigger}`,
    kept: 'kept',
    action: { delete: 'deletion', anonymise: 'anonymisation', review: 'review' },
    years: (n: number) => (n === 1 ? 'year' : 'years'),
    months: 'months',
    days: 'days',
    tls: 'TLS encryption in transit',
    residency: (r: string) => `data stored in: ${r.toUpperCase()}`,
    tier: (t: string) => `Tier ${t} data centre`,
    confidentiality: 'staff bound to confidentiality',
    lockout: (n: number) => `lockout after ${n} failed logins`,
    entrusted: 'Processing of data entrusted by customers',
  },
};

function periodText(category: RetentionCategory, lang: 'pl' | 'en'): string {
  const w = words[lang];
  const p = category.period;
  const length =
    p.years !== undefined
      ? `${p.years} ${w.years(p.years)}`
      : p.months !== undefined
        ? `${p.months} ${w.months}`
        : `${p.days ?? 0} ${w.days}`;
  return `${w.kept} ${length} ${w.from(category.trigger)}, ${w.action[category.action]}`;
}

/**
 * The records of processing activities (GDPR art. 30) generated from the policy and the registry: for the
 * operator as controller (art. 30(1)) one row per retention category of its own data, with purpose (the
 * category), subjects, data, recipients (the sub-processors for every customer), transfers outside the
 * EEA with their safeguard, the retention and the security measures; as processor (art. 30(2)) one row per
 * processor category (or one for all entrusted data), the controllers being its customers, with every
 * sub-processor and the scope it applies to.
 */
export function recordsOfProcessing(
  policy: Policy,
  role: 'controller' | 'processor',
  registry: readonly RegistryEntry[],
  lang: 'pl' | 'en',
): RecordRow[] {
  const w = words[lang];
  const op = policy.operator;
  const contact = [op.contact.privacy ?? op.contact.general, op.dpo?.email ? `DPO: ${op.dpo.email}` : null]
    .filter(Boolean)
    .join('; ');
  const used = registry.filter((e) => role === 'processor' || e.scope === 'all');
  const recipients =
    used
      .map((e) =>
        role === 'processor'
          ? `${e.name} (${e.location}; ${e.scope === 'all' ? w.allCustomers : w.integration(e.scope.slice(12))})`
          : `${e.name} (${e.location})`,
      )
      .join('; ') || w.none;
  const transfers =
    used
      .filter((e) => e.safeguard !== 'eea')
      .map((e) => `${e.name} → ${e.location}: ${w.safeguard[e.safeguard as 'adequacy' | 'scc']}`)
      .join('; ') || w.none;
  const s = policy.security;
  const security = [
    s.requireTls ? w.tls : null,
    w.residency(s.dataResidency),
    s.dataCentreTier ? w.tier(s.dataCentreTier) : null,
    s.mediaEncryption,
    s.staffConfidentialityRequired ? w.confidentiality : null,
    w.lockout(s.maxFailedLogins),
  ]
    .filter(Boolean)
    .join('; ');
  const legalName = `${op.legalName}${op.address ? `, ${[op.address.street, op.address.postalCode, op.address.city].filter(Boolean).join(' ')}` : ''}`;
  const categories = policy.retention.categories.filter((c) => c.role === role);
  const base = { role, contact, recipients, transfers, security };
  if (role === 'controller') {
    return categories.map((c) => ({
      ...base,
      activity: c.id,
      name: c.name[lang],
      controller: legalName,
      processor: '',
      dataSubjects: w.customers,
      dataCategories: (c.data ?? [c.id]).join('; '),
      retention: periodText(c, lang),
      clause: c.clause,
    }));
  }
  const entrusted = policy.processor.entrustedCategories.join('; ');
  const rows = categories.length > 0 ? categories : [null];
  return rows.map((c) => ({
    ...base,
    activity: c?.id ?? 'entrusted',
    name: c?.name[lang] ?? w.entrusted,
    controller: w.eachCustomer,
    processor: legalName,
    dataSubjects: w.contacts,
    dataCategories: entrusted,
    retention: c ? periodText(c, lang) : w.none,
    clause: c?.clause ?? policy.processor.clauses.subProcessors ?? '',
  }));
}

/** RFC 4180 CSV with a header line, CRLF line ends, fields quoted where they must be. */
export function recordsCsv(rows: readonly RecordRow[]): string {
  const field = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  const lines = [
    recordColumns.join(','),
    ...rows.map((r) => recordColumns.map((c) => field(r[c])).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

function later(a: LocalDate, b: LocalDate): LocalDate {
  return a > b ? a : b;
}
