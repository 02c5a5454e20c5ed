/**
 * The charging-session workflow's definition itself: valid ASL, Payter's retry schedule
 * written exactly for both commit and cancel, and no path that can leave a hold behind.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { PAYTER_FINALIZE_ERRORS } from '../../lambdas/payter/retry-schedule';
import { PAYTER_FINALIZE_RETRY_DELAYS_SECONDS, retryDelaysOfAsl } from '../support/asl-retries';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: (sep?: string) => string };
// ASL_UNDER_TEST: a mutated copy, from the ASL mutations of `npm run mutation` (test/mutation/asl-mutations.ts).
const aslFile = process.env.ASL_UNDER_TEST ?? new URL('../../statemachines/charging-session.asl.json', import.meta.url);
const asl = JSON.parse(readFileSync(aslFile, 'utf8'));
type State = { Type: string; Next?: string; End?: boolean; Default?: string; Choices?: { Next: string; Variable?: string; StringEquals?: string }[]; Catch?: { Next: string; ErrorEquals: string[] }[] };
const states = asl.States as Record<string, State>;

function successors(state: State): string[] {
  return [state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next), ...(state.Catch ?? []).map((c) => c.Next)].filter(
    (n): n is string => typeof n === 'string',
  );
}

describe('statemachines/charging-session.asl.json', () => {
  it('is valid Amazon States Language (JSONPath, every Next resolvable)', () => {
    const { isValid, errorsText } = aslValidator(asl);
    expect(isValid, errorsText('\n')).toBe(true);
    for (const [name, state] of Object.entries(states)) {
      for (const next of successors(state)) expect(states[next], `${name} -> ${next}`).toBeDefined();
    }
  });

  it.each(['CommitPayment', 'CancelPayment'])("%s retries on Payter's schedule: 5 x 1 min, 24 x 1 h, 7 x 1 day", (start) => {
    // The chain's own states: after them comes the alarm, which is not a retry.
    const chain = Object.fromEntries(Object.entries(states).filter(([name]) => name.startsWith(start)));
    expect(retryDelaysOfAsl(chain as never, start)).toEqual([...PAYTER_FINALIZE_RETRY_DELAYS_SECONDS]);
    expect(PAYTER_FINALIZE_RETRY_DELAYS_SECONDS).toHaveLength(36);
  });

  it('gives up on a refused commit or cancel only into the alarm, never into silence', () => {
    for (const name of ['CommitPayment', 'CommitPaymentHourly', 'CommitPaymentDaily', 'CancelPayment', 'CancelPaymentHourly', 'CancelPaymentDaily']) {
      const catchers = states[name]!.Catch ?? [];
      const refused = catchers.find((c) => c.ErrorEquals.includes(PAYTER_FINALIZE_ERRORS.refused) || c.ErrorEquals.includes('States.ALL'));
      expect(refused?.Next, name).toBe('PaymentNotFinalized');
    }
  });

  it('runs every path that holds money through a commit or a cancel, and every path through Release', () => {
    // From the moment the hold exists (after AuthorizeHold), walk every edge: each way to an
    // end state passes CommitPayment or CancelPayment (or raises the alarm) and Release.
    const ends: string[][] = [];
    const walk = (name: string, path: string[]) => {
      if (path.includes(name)) return;
      const state = states[name]!;
      const next = successors(state);
      // A Task can end the execution (End) and still lead on through its Catch.
      if (state.End === true || next.length === 0) ends.push([...path, name]);
      for (const n of next) walk(n, [...path, name]);
    };
    walk('RemoteStart', ['AuthorizeHold']);
    expect(ends.length).toBeGreaterThan(5);
    for (const path of ends) {
      const finalized = path.some((s) => /^(Commit|Cancel)Payment/.test(s) || s === 'PaymentNotFinalized');
      expect(finalized, path.join(' > ')).toBe(true);
      expect(path.some((s) => s === 'Release' || s === 'ReleaseAfterAlarm'), path.join(' > ')).toBe(true);
    }
  });

  it('catches every error of every Task once the hold may exist, so no failure skips the compensation', () => {
    // A Task without a States.ALL catcher fails the whole execution with the hold open; the
    // path walk above follows only the edges that are there, so it cannot see a missing one.
    const reachable = new Set<string>();
    const visit = (name: string) => {
      if (reachable.has(name)) return;
      reachable.add(name);
      for (const next of successors(states[name]!)) visit(next);
    };
    visit('AuthorizeHold');
    const tasks = [...reachable].filter((name) => states[name]!.Type === 'Task');
    expect(tasks.length).toBeGreaterThan(10);
    for (const name of tasks) {
      const catchAll = (states[name]!.Catch ?? []).find((c) => c.ErrorEquals.includes('States.ALL'));
      expect(catchAll?.Next, `${name} catches States.ALL`).toBeDefined();
    }
  });

  it('waits for a transaction only after the charger accepted the remote start', () => {
    // A Rejected answer, none in time or a CALLERROR fails RemoteStart (lambdas/csms/csms-calls.ts).
    const remoteStart = states['RemoteStart']!;
    expect(remoteStart.Next).toBe('AwaitTransactionStart');
    expect(remoteStart.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'NoTransaction' })]);
  });

  it('bounds every wait for the charger with a timeout', () => {
    for (const [name, state] of Object.entries(states) as [string, State & Record<string, unknown>][]) {
      if (state.Type !== 'Task') continue;
      expect(state.TimeoutSeconds ?? state.TimeoutSecondsPath, name).toBeDefined();
    }
  });
});
