import { defineErrors } from '../../platform/errors.ts';

export const processorsErrors = defineErrors({
  'processors.sub_processor_not_found': {
    status: 404,
    en: 'No sub-processor {id}.',
    pl: 'Nie ma podprzetwarzającego {id}.',
  },
  'processors.sub_processor_exists': {
    status: 409,
    en: 'A sub-processor {id} is already in the registry.',
    pl: 'Podprzetwarzający {id} jest już w rejestrze.',
  },
  'processors.invalid_safeguard': {
    status: 422,
    en: 'A sub-processor in {location} needs the safeguard {expected}.',
    pl: 'Podprzetwarzający w {location} wymaga zabezpieczenia {expected}.',
  },
  'processors.agreement_missing': {
    status: 409,
    en: 'Sub-processor {id} cannot be activated before its sub-processing agreement is recorded.',
    pl: 'Podprzetwarzającego {id} nie można aktywować przed zarejestrowaniem umowy dalszego powierzenia.',
  },
  'processors.effective_in_past': {
    status: 422,
    en: 'A change cannot take effect before the day it is announced ({today}).',
    pl: 'Zmiana nie może wejść w życie przed dniem jej ogłoszenia ({today}).',
  },
  'processors.account_not_found': { status: 404, en: 'No account {id}.', pl: 'Nie ma konta {id}.' },
  'processors.objections_not_offered': {
    status: 409,
    en: 'These terms give no right to object to a sub-processor.',
    pl: 'Te warunki nie przewidują sprzeciwu wobec podprzetwarzającego.',
  },
  'processors.objection_late': {
    status: 409,
    en: 'The objection came too late: objections were accepted through {lastDay}.',
    pl: 'Sprzeciw wpłynął po terminie: sprzeciwy przyjmowano do {lastDay}.',
  },
  'processors.objection_incomplete': {
    status: 422,
    en: 'The objection must be justified and documented: missing {missing}.',
    pl: 'Sprzeciw musi być uzasadniony i udokumentowany: brak {missing}.',
  },
  'processors.objection_exists': {
    status: 409,
    en: 'This customer already has an open or upheld objection to {id}.',
    pl: 'Ten klient ma już otwarty lub uwzględniony sprzeciw wobec {id}.',
  },
  'processors.objection_not_found': { status: 404, en: 'No objection {id}.', pl: 'Nie ma sprzeciwu {id}.' },
  'processors.objection_decided': {
    status: 409,
    en: 'Objection {id} has already been decided.',
    pl: 'Sprzeciw {id} został już rozpatrzony.',
  },
  'processors.objection_binding': {
    status: 409,
    en: 'A timely objection binds under these terms: it cannot be rejected.',
    pl: 'Zgodnie z tymi warunkami sprzeciw złożony w terminie jest wiążący: nie można go odrzucić.',
  },
  'processors.reason_required': {
    status: 422,
    en: 'A rejection must give its reason.',
    pl: 'Odrzucenie musi podawać uzasadnienie.',
  },
  'processors.breach_not_found': { status: 404, en: 'No breach {id}.', pl: 'Nie ma naruszenia {id}.' },
  'processors.awareness_in_future': {
    status: 422,
    en: 'The awareness time {awareAt} is later than now ({now}).',
    pl: 'Chwila stwierdzenia {awareAt} jest późniejsza niż teraz ({now}).',
  },
  'processors.breach_notice_incomplete': {
    status: 422,
    en: 'The notice cannot be made: the breach record lacks {missing}.',
    pl: 'Nie można wysłać zawiadomienia: w rejestrze naruszenia brakuje {missing}.',
  },
  'processors.breach_notice_done': {
    status: 409,
    en: 'The {recipient} notice of this breach was already made.',
    pl: 'Zawiadomienie ({recipient}) o tym naruszeniu zostało już dokonane.',
  },
  'processors.breach_no_customers': {
    status: 422,
    en: 'The breach affects no customer to notify.',
    pl: 'Naruszenie nie dotyczy żadnego klienta, którego można zawiadomić.',
  },
});
