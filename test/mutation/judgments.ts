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
  /** static: a module constant evaluated at load, which Stryker's per-test coverage cannot attribute (ignoreStatic leaves it out when it can tell). */
  readonly verdict: 'equivalent' | 'static' | 'not yet killed';
  readonly why: string;
}

const STATIC_WHY = 'a module constant evaluated at load: no test counts as covering it, so the combined run lists it as not covered (a run of this file alone ignores it as static); the tests of its rule do exercise it';
const staticMutant = (file: string, mutator: string, original: string): Judgment => ({ file: `lambdas/${file}`, mutator, original, verdict: 'static', why: STATIC_WHY });
const equivalent = (file: string, mutator: string, original: string, why: string): Judgment => ({ file: `lambdas/${file}`, mutator, original, verdict: 'equivalent', why });

export const JUDGMENTS: readonly Judgment[] = [
  // csms
  equivalent('csms/call-queue.ts', 'ConditionalExpression', 'isStop(call)', 'a call that is no stop carries no transaction id, so it is never taken for a duplicate stop'),
  equivalent('csms/call-queue.ts', 'ArrayDeclaration', '[]', 'a string is no stop of any transaction'),
  equivalent('csms/call-queue.ts', 'ConditionalExpression', 'queue.waiting.length > 0', "an empty list's earliest time is undefined either way"),
  equivalent('csms/call-queue.ts', 'EqualityOperator', 'queue.waiting.length > 0', "an empty list's earliest time is undefined either way"),
  equivalent('csms/call-queue.ts', 'ConditionalExpression', 'awaited.length === 0', 'the skipped copy has the same content'),
  equivalent('csms/csms-calls.ts', 'ConditionalExpression', 'options.taskToken !== undefined', 'an undefined attribute is not stored (the adapter drops undefined values)'),
  equivalent('csms/csms-calls.ts', 'ConditionalExpression', 'due !== undefined', 'an extra pump of the queue: more reads, the same outcome'),
  equivalent('csms/csms-calls.ts', 'ConditionalExpression', 'round === 0 && stored', 'an extra read of the queue: the same outcome'),
  equivalent('csms/csms-calls.ts', 'ConditionalExpression', '!head', 'an extra round of the loop finds nothing to send: the same outcome'),
  equivalent('csms/csms-calls.ts', 'ArithmeticOperator', 'version + 1', 'the conditional write fails and is retried with the version read again: the same outcome, one write more'),
  equivalent('csms/csms-calls.ts', 'ConditionalExpression', 'call.action !== STOP_ACTION', "the encoder already refuses a stop without a numeric transaction id"),
  equivalent('csms/csms-calls.ts', 'ConditionalExpression', 'transactionId !== undefined', "the encoder already refuses a stop without a numeric transaction id"),
  equivalent('csms/csms-calls.ts', 'ConditionalExpression', "typeof idTag === 'string'", "a RemoteStartTransaction without a string idTag is refused by the encoder either way"),
  equivalent('csms/station-credentials.ts', 'ConditionalExpression', 'stored !== undefined', 'an unknown station is checked against a hash of zeros, which no password derives'),
  // money
  equivalent('money/money.ts', 'StringLiteral', "''", 'the sign and whole-part defaults are never used: those groups of the pattern always match'),
  equivalent('money/money.ts', 'EqualityOperator', 'denominator < 0n', 'a zero denominator is refused earlier, and bigint has no -0'),
  equivalent('money/money.ts', 'EqualityOperator', 'numerator < 0n', 'bigint has no -0: zero is the same either way'),
  equivalent('money/money.ts', 'ConditionalExpression', '!formatter', 'the formatter cache only saves time'),
  equivalent('money/money.ts', 'ConditionalExpression', "typeof value === 'bigint'", 'Number() of a number is that number'),
  // ocpp
  equivalent('ocpp/v16/validate.ts', 'LogicalOperator', "issue.code === 'invalid_format'", "only zod's invalid_format issue has a format, and the schemas' only format is datetime"),
  equivalent('ocpp/v16/validate.ts', 'ConditionalExpression', "issue.code === 'invalid_format'", "only zod's invalid_format issue has a format, and the schemas' only format is datetime"),
  equivalent('ocpp/v16/validate.ts', 'ConditionalExpression', "issue.format === 'datetime'", "the schemas' only string format is datetime"),
  equivalent('ocpp/v16/validate.ts', 'ConditionalExpression', "typeof value === 'string'", 'a datetime issue always carries a string'),
  equivalent('ocpp/v16/validate.ts', 'ConditionalExpression', "typeof value === 'object'", "zod's issue paths run only through objects and arrays"),
  equivalent('ocpp/v16/validate.ts', 'LogicalOperator', "typeof value === 'object'", "zod's issue paths run only through objects and arrays"),
  equivalent('ocpp/v16/validate.ts', 'ConditionalExpression', 'value !== null', "zod's issue paths run only through objects and arrays; an enum option is never null"),
  equivalent('ocpp/v16/validate.ts', 'StringLiteral', "'invalid payload'", 'the fallback is never used: a failed parse always has a described issue'),
  equivalent('ocpp/v16/validate.ts', 'ConditionalExpression', "issue.code === 'invalid_type'", 'only invalid_type or invalid_value issues come at an absent path'),
  equivalent('ocpp/v16/validate.ts', 'MethodExpression', 'issue.values.some', "every enum option of the OCPP 1.6 schemas is a string"),
  equivalent('ocpp/v16/validate.ts', 'ConditionalExpression', "typeof current !== 'object'", "zod's issue paths run only through objects and arrays"),
  equivalent('ocpp/v16/validate.ts', 'LogicalOperator', "typeof current !== 'object'", "zod's issue paths run only through objects and arrays"),
  equivalent('ocpp/v16/validate.ts', 'ConditionalExpression', 'current === null', "zod's issue paths run only through objects and arrays"),
  equivalent('ocpp/v16/validate.ts', 'ConditionalExpression', "typeof parent === 'object'", "zod's issue paths run only through objects and arrays"),
  equivalent('ocpp/v16/validate.ts', 'LogicalOperator', "typeof parent === 'object'", "zod's issue paths run only through objects and arrays"),
  equivalent('ocpp/v16/validate.ts', 'ConditionalExpression', 'parent !== null', "zod's issue paths run only through objects and arrays"),
  // payter
  equivalent('payter/cps-client.ts', 'ConditionalExpression', 'request.body === undefined', 'JSON.stringify(undefined) is undefined: no body either way'),
  equivalent('payter/retry-schedule.ts', 'ConditionalExpression', "case 'protocol'", 'a protocol answer falls through to rejected, which says retry too: its status is never 0, 400 or 422'),
  // pricing
  equivalent('pricing/capture.ts', 'EqualityOperator', 'a.compare(b) <= 0', 'with equal amounts min returns the other, identical amount'),
  equivalent('pricing/price.ts', 'StringLiteral', "''", 'the repeating part of a per-unit price is always one digit (divisors 1, 1000 or 3600 times 10^4)'),
  equivalent('pricing/price.ts', 'ConditionalExpression', 'remainder === 0n', 'a remainder of 0 is never stored in positionOf, so the lookup is undefined anyway'),
  equivalent('pricing/refund.ts', 'EqualityOperator', 'platform < refunded - tax', 'at equality both branches give the same amount'),
  equivalent('pricing/usage.ts', 'ArithmeticOperator', 'a.index - b.index', 'the sort is stable and its input already in arrival order'),
  equivalent('pricing/usage.ts', 'EqualityOperator', 'change.at >= stopMs', 'a status change exactly at the stop adds 0 ms either way'),
  equivalent('pricing/usage.ts', 'EqualityOperator', 'stopMs > startMs', 'with the stop at the start the idle time is 0 either way'),
  // readers
  equivalent('readers/callback-urls.ts', 'ObjectLiteral', "{ kind: 'state' }", "the token's subject falls through to 'state' for any purpose that is neither card nor ui"),
  equivalent('readers/callback-urls.ts', 'StringLiteral', "'state'", "the token's subject falls through to 'state' for any purpose that is neither card nor ui"),
  equivalent('readers/commissioning.ts', 'ConditionalExpression', "terminal.kind === 'rejected'", 'the Payter client maps every 404 to rejected'),
  equivalent('readers/commissioning.ts', 'ConditionalExpression', 'existing?.payterCurrency) !== undefined', 'an undefined attribute is not stored'),
  equivalent('readers/commissioning.ts', 'OptionalChaining', 'existing?.payterCurrency', 'never evaluated without an existing reader (the guard and ?? short-circuit first)'),
  equivalent('readers/commissioning.ts', 'ConditionalExpression', "stopped.kind === 'rejected'", 'the Payter client maps every 404 to rejected'),
  equivalent('sessions/payter-callbacks.ts', 'ConditionalExpression', 'reader.reading?.id !== readingId', 'claimReading makes the same check as a conditional write'),
  equivalent('sessions/payter-callbacks.ts', 'ConditionalExpression', "started.action === 'ignored'", 'freeReader re-reads the reader and does nothing once a session holds it'),
  equivalent('sessions/payter-callbacks.ts', 'ObjectLiteral', "{ kind: 'state' }", "the token's subject falls through to 'state' either way"),
  equivalent('sessions/payter-callbacks.ts', 'StringLiteral', "'state'", "the token's subject falls through to 'state' either way"),
  equivalent('sessions/payter-callbacks.ts', 'ConditionalExpression', 'card.maskedPan !== undefined', 'an undefined attribute is not stored'),
  equivalent('sessions/payter-callbacks.ts', 'StringLiteral', "'available'", 'neither "available" nor "" is an unusable state'),
  staticMutant('readers/reader-display.ts', 'ArrayDeclaration', '[250, 1000, 3000]'),
  equivalent('readers/reader-display.ts', 'ConditionalExpression', 'text.title !== undefined', "a rendered screen's title is always a string"),
  equivalent('readers/reader-display.ts', 'ConditionalExpression', 'text.message !== undefined', "a rendered screen's message is always a string"),
  equivalent('readers/reader-display.ts', 'ConditionalExpression', 'site.screens !== undefined', 'no overrides and undefined overrides render the same'),
  staticMutant('readers/station-readers.ts', 'ArrayDeclaration', "'faulted'"),
  staticMutant('readers/station-readers.ts', 'StringLiteral', "'faulted'"),
  staticMutant('readers/station-readers.ts', 'StringLiteral', "'unavailable'"),
  equivalent('readers/station-readers.ts', 'StringLiteral', "'available'", 'neither "available" nor "" is an out-of-service state'),
  // sessions
  staticMutant('sessions/receipt-page.ts', 'ArrowFunction', 'text.replace'),
  staticMutant('sessions/receipt-page.ts', 'ArrowFunction', 'ViewAmount | ReceiptFact'),
  equivalent('sessions/receipt-page.ts', 'ConditionalExpression', 'session.startedAt !== undefined', 'receiptFacts skips an undefined start'),
  equivalent('sessions/receipt-page.ts', 'ConditionalExpression', 'session.stoppedAt !== undefined', 'receiptFacts skips an undefined stop'),
  equivalent('sessions/running-cost.ts', 'ConditionalExpression', 'transaction.lastMeterWh !== undefined', 'pricing reads an undefined last meter value as the meter start'),
  staticMutant('reconciliation/scheduled-reconciliation.ts', 'ArrayDeclaration', "'stateDiffers'"),
  staticMutant('reconciliation/scheduled-reconciliation.ts', 'StringLiteral', "'"),
  equivalent('reconciliation/scheduled-reconciliation.ts', 'LogicalOperator', 'sync && myPayter', 'the sync and the MyPayter comparison are configured together or not at all'),
  staticMutant('sessions/session-events.ts', 'ArrayDeclaration', "'declined'"),
  staticMutant('sessions/session-events.ts', 'StringLiteral', "'"),
  equivalent('sessions/session-events.ts', 'EqualityOperator', 'running.compare(previous) > 0', 'equal totals subtract to zero, the same as no increase'),
  equivalent('sessions/session-operations.ts', 'ConditionalExpression', 'session.transactionId === undefined', 'the cost so far is undefined without a transaction anyway'),
  equivalent('sessions/session-operations.ts', 'StringLiteral', "'cps'", "both differ from 'acquirer', the only channel tested against"),
  equivalent('sessions/session-operations.ts', 'BooleanLiteral', 'false', 'the session is only read again, and the record is the same'),
  equivalent('sessions/session-operations.ts', 'ConditionalExpression', 'shown === undefined', 'without a listing, shown is undefined already'),
  equivalent('sessions/session-operations.ts', 'StringLiteral', "'AUTHORIZED'", 'the AUTHORIZED case is handled before: either value differs from COMMITTED and CANCELLED'),
  equivalent('sessions/session-operations.ts', 'ArrayDeclaration', '[]', 'a string has no state: it counts as neither done nor open'),
  equivalent('sessions/session-operations.ts', 'ConditionalExpression', 'payterRefunded === undefined', 'an undefined amount makes every comparison false, so nothing settles'),
  equivalent('sessions/session-operations.ts', 'ConditionalExpression', '!session.refunds?.length', 'a payment not committed has no refunds of ours (refunds need a committed payment)'),
  equivalent('sessions/session-operations.ts', 'LogicalOperator', '!session.refunds?.length', 'a payment not committed has no refunds of ours and none shown by CPS'),
  equivalent('sessions/session-operations.ts', 'BooleanLiteral', '!session.refunds?.length', 'a payment not committed has no refunds of ours'),
  equivalent('sessions/session-operations.ts', 'BooleanLiteral', '!their.refundedAmount', 'CPS shows no refund of a payment not committed'),
  equivalent('sessions/session-steps.ts', 'ConditionalExpression', '!session.payment || !session.receipt', 'the price step writes payment and receipt together, and only a committed payment (which has both) gets past the next check'),
  equivalent('sessions/session-steps.ts', 'LogicalOperator', '!session.payment || !session.receipt', 'the price step writes payment and receipt together'),
  equivalent('sessions/session-steps.ts', 'ConditionalExpression', 'endReason !== session.endReason', 'an end reason recorded only by Release comes with a status change'),
  equivalent('sessions/session-steps.ts', 'ArrayDeclaration', '[]', 'no hold id is "Stryker was here", and a session without holdsBeforeAuthorize is skipped before'),
  equivalent('sessions/session-steps.ts', 'MethodExpression', 'others.filter', "the session's own hold is decided before claims are read; sessions without a Payter id add nothing that matches"),
  equivalent('sessions/session-steps.ts', 'ConditionalExpression', 's.sessionId !== session.sessionId', "the session's own hold is decided before claims are read"),
  equivalent('sessions/session-steps.ts', 'LogicalOperator', 's.sessionId !== session.sessionId', "the session's own hold is decided before claims are read; undefined ids match no hold"),
  equivalent('sessions/session-steps.ts', 'ConditionalExpression', "state.kind === 'ok'", 'an answer other than ok has no value: undefined either way'),
  equivalent('sessions/session-steps.ts', 'ConditionalExpression', 'final.committedAmount !== null', "the client's schema turns a null committedAmount into undefined"),
  equivalent('sessions/session-steps.ts', 'OptionalChaining', 'session.payment?.captured', 'commit refuses a session without payment before it gets here'),
  equivalent('sessions/session-steps.ts', 'OptionalChaining', "this.deps.alert?.('CommitsFoundCancelled'", 'every composition wires an alert'),
  equivalent('sessions/session-sweeper.ts', 'ArrowFunction', '() => false', 'false and undefined both mean "time is not up"'),
];
