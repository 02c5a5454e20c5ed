/**
 * Mutations of the session workflow's ASL, which Stryker cannot mutate: each is a realistic
 * bug (a Catch dropped, a retry changed, a state skipped) that the ASL tests
 * (test/statemachines) must catch. Run by `npm run mutation` before Stryker; exits 1 if any
 * mutation survives.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

type State = Record<string, any>;
type Asl = { StartAt: string; States: Record<string, State> };

const SOURCE = new URL('../../statemachines/charging-session.asl.json', import.meta.url);

/** The execution ends after this state (the definition's own end, Release, has no Succeed state after it). */
function endsHere(state: State): void {
  delete state.Next;
  state.End = true;
}

/** Each mutation changes a copy of the definition in place. */
export const ASL_MUTATIONS: readonly { name: string; mutate(asl: Asl): void }[] = [
  { name: 'PriceSession without its Catch', mutate: (a) => delete a.States.PriceSession!.Catch },
  { name: 'Charging without its Catch', mutate: (a) => delete a.States.Charging!.Catch },
  { name: 'NoTransaction catches into Release (the hold is never cancelled)', mutate: (a) => (a.States.NoTransaction!.Catch[0].Next = 'Release') },
  { name: 'NoTransaction goes straight to Release', mutate: (a) => (a.States.NoTransaction!.Next = 'Release') },
  { name: 'CommitPayment retries 4 times a minute instead of 5', mutate: (a) => (a.States.CommitPayment!.Retry.find((r: State) => r.IntervalSeconds === 60).MaxAttempts = 4) },
  { name: 'CancelPayment retries every 2 minutes', mutate: (a) => (a.States.CancelPayment!.Retry.find((r: State) => r.IntervalSeconds === 60).IntervalSeconds = 120) },
  { name: 'CommitPayment gives up into Release instead of the alarm', mutate: (a) => (a.States.CommitPaymentDaily!.Catch.at(-1).Next = 'Release') },
  { name: 'ShowReceipt skipped: CommitPayment ends the execution', mutate: (a) => endsHere(a.States.CommitPayment!) },
  { name: 'Release skipped after CancelPayment', mutate: (a) => endsHere(a.States.CancelPayment!) },
  { name: 'AwaitTransactionStart without its timeout', mutate: (a) => delete a.States.AwaitTransactionStart!.TimeoutSecondsPath },
  { name: 'a refused start goes on to wait for the transaction', mutate: (a) => (a.States.RemoteStart!.Catch[0].Next = 'AwaitTransactionStart') },
];

function runAslTests(file: string): boolean {
  const run = spawnSync('npx', ['vitest', 'run', 'test/statemachines', '--reporter=dot'], {
    env: { ...process.env, ASL_UNDER_TEST: file },
    encoding: 'utf8',
  });
  return run.status === 0;
}

export function runAslMutations(): { name: string; caught: boolean }[] {
  const original = readFileSync(SOURCE, 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'asl-mutation-'));
  try {
    if (!runAslTests(fileURLToPath(SOURCE))) throw new Error('the ASL tests fail on the definition itself: fix them first');
    const results = ASL_MUTATIONS.map(({ name, mutate }, index) => {
      const asl = JSON.parse(original) as Asl;
      mutate(asl);
      const file = join(dir, `mutation-${index}.asl.json`);
      writeFileSync(file, JSON.stringify(asl, null, 2));
      return { name, caught: !runAslTests(file) };
    });
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = runAslMutations();
  for (const { name, caught } of results) console.log(`${caught ? 'caught  ' : 'SURVIVED'}  ${name}`);
  const survived = results.filter((r) => !r.caught).length;
  console.log(`ASL mutations: ${results.length - survived} of ${results.length} caught`);
  if (survived > 0) process.exitCode = 1;
}
