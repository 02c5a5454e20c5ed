/** `npm start -- --ocpp 2.0.1` and `bin/charger.ts <station> <password> --ocpp 2.0.1`: the version asked for, 1.6 when none is. */
import { expect, it } from 'vitest';
import { ocppVersionArgument } from '../../lib/local/simulated-charger';

it('reads --ocpp as the next word or after =, 1.6 without it, and refuses a version we do not speak', () => {
  expect(ocppVersionArgument(['--demo'])).toBe('1.6');
  expect(ocppVersionArgument(['--demo', '--ocpp', '2.0.1'])).toBe('2.0.1');
  expect(ocppVersionArgument(['--ocpp=1.6', '--demo'])).toBe('1.6');
  expect(() => ocppVersionArgument(['--ocpp', '2.1'])).toThrow('--ocpp must be one of 1.6, 2.0.1, got "2.1"');
  expect(() => ocppVersionArgument(['--ocpp'])).toThrow('got ""');
});
