import { defineErrors } from '../../platform/errors.ts';

const codes = defineErrors({
  'test_clock.not_found': { status: 404, en: 'No test clock {id}.', pl: 'Nie ma zegara testowego {id}.' },
  'test_clock.backwards': {
    status: 409,
    en: 'A test clock only moves forward; it stands at {frozenTime}.',
    pl: 'Zegar testowy porusza się tylko do przodu; wskazuje {frozenTime}.',
  },
  'test_clock.busy': {
    status: 409,
    en: 'Test clock {id} is being advanced by another request.',
    pl: 'Zegar testowy {id} jest właśnie przesuwany przez inne żądanie.',
  },
});

export const testClockErrors = {
  not_found: codes['test_clock.not_found'],
  backwards: codes['test_clock.backwards'],
  busy: codes['test_clock.busy'],
};
