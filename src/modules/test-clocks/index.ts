export { makeTestClocks, type TestClock, type TestClocks } from './test-clocks.ts';
export { testClockErrors } from './test-clocks-errors.ts';
export { addIsoDuration, IsoDuration } from './iso-duration.ts';
