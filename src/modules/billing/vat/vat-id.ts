/**
 * VAT identification numbers: parsing (formats and checksums from the accounts module's tax-id rules) and
 * the EU Commission's VIES service, which says whether a number is registered for intra-EU trade. A VIES
 * "valid" is what lets a supply to an EU business go without VAT (QU-BIL-08 A7).
 */

import type { Clock } from '../../../platform/clock.ts';
import { systemClock } from '../../../platform/clock.ts';
import { AppError } from '../../../platform/errors.ts';
import { checkTaxId } from '../../accounts/index.ts';
import { vatErrors } from './vat-errors.ts';
import { isEuMemberState, isoCountry } from './vat-rates.ts';

export type VatId = {
  /** The VAT prefix, as VIES wants it: EL for Greece, otherwise the ISO code. */
  country: string;
  /** The ISO 3166 country (GR for Greece). */
  isoCountry: string;
  /** The number without the prefix, compacted: "5260250274". */
  number: string;
  /** Prefix and number: "PL5260250274", "EL094259216". */
  full: string;
};

/** The VAT prefix of a country: GR → EL, every other code unchanged. */
export function vatPrefixOf(country: string): string {
  const iso = isoCountry(country);
  return iso === 'GR' ? 'EL' : iso;
}

/**
 * Parses a VAT id typed with or without its country prefix, spaces, dots or dashes; a bare number is read
 * as `fallbackCountry`'s (the buyer's country). EU numbers must match their member state's format, and a
 * Polish NIP or an 8-digit Czech IČO its checksum; outside the EU any 4–20 letters and digits are taken as
 * given. Throws `billing.vat_id_invalid` (details: `reason` empty | format | checksum). Says nothing about
 * registration: that is VIES's answer.
 */
export function parseVatId(raw: string, fallbackCountry: string): VatId {
  const fallback = isoCountry(fallbackCountry);
  let check = checkTaxId(raw, fallback);
  // A bare number that starts with two letters (French "AB123456789") reads as a prefix "AB": if that names
  // no member state, try it as the buyer's own country's number.
  if (check.ok && !isEuMemberState(check.country) && isEuMemberState(fallback)) {
    const retry = checkTaxId(vatPrefixOf(fallback) + raw, fallback);
    if (retry.ok) check = retry;
  }
  if (!check.ok) {
    throw new AppError(vatErrors['billing.vat_id_invalid'], { details: { raw, reason: check.reason } });
  }
  const iso = isoCountry(check.country);
  if (isEuMemberState(iso)) {
    return {
      country: vatPrefixOf(iso),
      isoCountry: iso,
      number: check.normalized.slice(2),
      full: check.normalized,
    };
  }
  const compact = check.normalized;
  const number = compact.startsWith(iso) ? compact.slice(2) : compact;
  return { country: iso, isoCountry: iso, number, full: iso + number };
}

/** VIES's answer for one number, or that VIES was not asked (switched off). */
export type ViesCheck =
  | {
      status: 'checked';
      valid: boolean;
      /** As VIES gives it; absent where the member state does not disclose it. */
      name?: string;
      address?: string;
      checkedAt: Date;
      /** The consultation number: proof of the check, given only when the client sends a requester. */
      requestId?: string;
    }
  | { status: 'not_checked'; valid: null; reason: 'vies_off' };

/**
 * Checks a VAT number with VIES. Resolves with VIES's yes or no; rejects with `billing.vies_unavailable`
 * when VIES or the member state could not answer (retry later: it is not a "no") and `billing.vies_rejected`
 * when VIES refused the request itself.
 */
export type ViesClient = { check(country: string, number: string): Promise<ViesCheck> };

/** VIES switched off: every number is "not checked", so `decideVat` follows the policy's `viesCheckRequired`. */
export const offlineVies: ViesClient = {
  check: async () => ({ status: 'not_checked', valid: null, reason: 'vies_off' }),
};

/** The production base URL of the VIES REST API. */
export const viesRestApiUrl = 'https://ec.europa.eu/taxation_customs/vies/rest-api';

export type ViesHttpOptions = {
  baseUrl: string;
  fetch?: typeof fetch;
  /** Per request, the whole exchange included; member-state services can take several seconds. */
  timeoutMs: number;
  /** The seller's own VAT id: VIES then returns a consultation number (`requestId`) as proof of the check. */
  requester?: { country: string; number: string } | null;
  /** Only for `checkedAt` when VIES's `requestDate` is missing or unreadable. */
  clock?: Clock;
};

/** VIES error codes that mean the request itself was refused; every other code is a temporary failure. */
const rejectedErrors = new Set(['INVALID_INPUT', 'INVALID_REQUESTER_INFO', 'VAT_BLOCKED', 'IP_BLOCKED']);

type ViesResponse = {
  valid?: unknown;
  name?: unknown;
  address?: unknown;
  requestDate?: unknown;
  requestIdentifier?: unknown;
  errorWrappers?: unknown;
};

/** VIES writes "---" for a name or address a member state does not disclose. */
function disclosed(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text === '' || text === '---' ? undefined : text;
}

/** `requestDate` is an ISO instant ("2026-04-01T08:15:02.123Z"); older answers gave "2026-04-01+02:00". */
function requestInstant(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const dateWithZone = /^(\d{4}-\d{2}-\d{2})([+-]\d{2}:\d{2}|Z)$/.exec(value);
  const text = dateWithZone ? `${dateWithZone[1]}T00:00:00${dateWithZone[2]}` : value;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms);
}

function firstViesError(wrappers: unknown): { error: string; message: string | undefined } | null {
  if (!Array.isArray(wrappers) || wrappers.length === 0) return null;
  const first = wrappers[0] as { error?: unknown; message?: unknown } | null;
  return {
    error: typeof first?.error === 'string' ? first.error : 'UNKNOWN',
    message: typeof first?.message === 'string' ? first.message : undefined,
  };
}

/**
 * A VIES client over the official REST API: `POST {baseUrl}/check-vat-number` with
 * `{ countryCode, vatNumber[, requesterMemberStateCode, requesterNumber] }`, answered by
 * `{ countryCode, vatNumber, requestDate, valid, requestIdentifier, name, address, … }` or, on failure,
 * `{ actionSucceed: false, errorWrappers: [{ error: 'MS_UNAVAILABLE', message }] }`. Greece is sent as EL.
 * One attempt per call: retrying is the caller's (job's) decision.
 */
export function makeViesHttpClient(options: ViesHttpOptions): ViesClient {
  const fetchImpl = options.fetch ?? fetch;
  const endpoint = `${options.baseUrl.replace(/\/+$/, '')}/check-vat-number`;
  const clock = options.clock ?? systemClock;
  const unavailable = (country: string, error: string, extra: Record<string, unknown> = {}) =>
    new AppError(vatErrors['billing.vies_unavailable'], { details: { country, error, ...extra } });

  return {
    async check(country: string, number: string): Promise<ViesCheck> {
      const countryCode = vatPrefixOf(country);
      const body: Record<string, string> = { countryCode, vatNumber: number };
      if (options.requester) {
        body.requesterMemberStateCode = vatPrefixOf(options.requester.country);
        body.requesterNumber = options.requester.number;
      }
      let status: number;
      let json: ViesResponse;
      try {
        const response = await fetchImpl(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        status = response.status;
        const text = await response.text();
        try {
          json = JSON.parse(text) as ViesResponse;
        } catch {
          throw unavailable(countryCode, 'BAD_RESPONSE', { status });
        }
      } catch (error) {
        if (error instanceof AppError) throw error;
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        throw timedOut
          ? unavailable(countryCode, 'TIMEOUT', { timeoutMs: options.timeoutMs })
          : new AppError(vatErrors['billing.vies_unavailable'], {
              details: { country: countryCode, error: 'NETWORK' },
              cause: error,
            });
      }
      const viesError = firstViesError(json?.errorWrappers);
      if (viesError !== null) {
        const details = { country: countryCode, status, ...viesError };
        throw new AppError(
          rejectedErrors.has(viesError.error)
            ? vatErrors['billing.vies_rejected']
            : vatErrors['billing.vies_unavailable'],
          { details },
        );
      }
      if (status < 200 || status > 299) throw unavailable(countryCode, `HTTP_${status}`, { status });
      if (typeof json?.valid !== 'boolean') throw unavailable(countryCode, 'BAD_RESPONSE', { status });
      const name = disclosed(json.name);
      const address = disclosed(json.address);
      const requestId = disclosed(json.requestIdentifier);
      return {
        status: 'checked',
        valid: json.valid,
        ...(name === undefined ? {} : { name }),
        ...(address === undefined ? {} : { address }),
        checkedAt: requestInstant(json.requestDate) ?? clock.now(),
        ...(requestId === undefined ? {} : { requestId }),
      };
    },
  };
}
