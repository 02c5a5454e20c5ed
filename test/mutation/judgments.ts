/**
 * A reviewer's word on each mutant the tests do not kill, matched by file, mutator and the
 * code it replaced (a part of it, so the entry survives small edits around it). Equivalent:
 * no test can tell the mutant from the code, and why. Kept here, not in comments of the
 * production code, so the code stays as it reads; test/mutation/survivors.ts prints them in
 * docs/mutation.md.
 */
export interface Judgment {
  readonly file: string;
  readonly mutator: string;
  /** A part of the original code the mutant replaced. */
  readonly original: string;
  readonly verdict: 'equivalent' | 'not yet killed';
  readonly why: string;
}

export const JUDGMENTS: readonly Judgment[] = [
  {
    file: 'lambdas/csms/station-credentials.ts',
    mutator: 'LogicalOperator',
    original: 'stored !== undefined',
    verdict: 'equivalent',
    why: 'an unknown station is checked against a hash of zeros, which no password verifies',
  },
];
