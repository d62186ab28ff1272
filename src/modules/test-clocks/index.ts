export { addIsoDuration, IsoDuration } from './iso-duration.ts';
export { makeTestClocks, type TestClock, type TestClocks } from './test-clocks.ts';
export { testClockErrors } from './test-clocks-errors.ts';
