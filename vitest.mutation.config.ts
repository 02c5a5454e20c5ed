/**
 * The tests Stryker runs against each mutant: the unit and domain tests, which finish in
 * seconds. The integration and property suites start the whole local runtime per file and
 * would make a mutation run take hours; they still run in `npm test`.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config';

export default defineConfig({
  test: {
    ...base.test,
    include: [
      'test/money/**/*.test.ts',
      'test/pricing/**/*.test.ts',
      'test/payter/**/*.test.ts',
      'test/csms/**/*.test.ts',
      'test/sessions/**/*.test.ts',
      'test/readers/**/*.test.ts',
      'test/ocpp/**/*.test.ts',
      'test/display/**/*.test.ts',
    ],
  },
});
