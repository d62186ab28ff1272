import { defineErrors } from '../../platform/errors.ts';

export const cookiesErrors = defineErrors({
  'cookies.no_banner': {
    status: 404,
    en: 'The policy declares no cookie banner.',
    pl: 'Polityka nie przewiduje banera cookies.',
  },
  'cookies.site_unknown': {
    status: 404,
    en: 'There is no cookie banner for site "{site}".',
    pl: 'Nie ma banera cookies dla witryny „{site}”.',
  },
  'cookies.origin_not_allowed': {
    status: 403,
    en: 'This website may not use the cookie banner of site "{site}".',
    pl: 'Ta witryna nie może korzystać z banera cookies witryny „{site}”.',
  },
  'cookies.wording_outdated': {
    status: 409,
    en: 'The cookie information has changed; reload the page and choose again.',
    pl: 'Informacja o plikach cookies zmieniła się; odśwież stronę i wybierz ponownie.',
  },
  'cookies.choice_invalid': {
    status: 400,
    en: 'The cookie choice is incomplete or contradictory: {reason}.',
    pl: 'Wybór dotyczący plików cookies jest niepełny lub sprzeczny: {reason}.',
  },
});
