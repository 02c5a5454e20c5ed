/**
 * The charging session's workflow execution (statemachines/charging-session.asl.json): one
 * execution per session, named after the session id, so a session and its execution find each
 * other without a second name. Readers start it, operators and the sweeper read it, the
 * session steps and the CSMS calls complete its callback tasks. Each service takes the part it
 * uses (a Pick of this port); lambdas/aws/step-functions-workflow.ts is the one adapter.
 */

/**
 * The execution's input: what the workflow's states read (ids they pass on, the timeouts they
 * take). No site and no card: the steps read both from the session record by its id, and
 * execution histories keep their input.
 */
export interface SessionWorkflowInput {
  readonly sessionId: string;
  readonly stationId: string;
  readonly connectorId: number;
  /** The id tag the RemoteStartTransaction carries. */
  readonly idTag: string;
  /** The site's limits in the seconds the workflow's timeouts take. */
  readonly timing: { readonly plugInWindowSeconds: number; readonly maxSessionSeconds: number };
}

export interface WorkflowExecution {
  readonly name: string;
  readonly arn: string;
  readonly status: string;
  readonly startDate?: string;
  readonly stopDate?: string;
  /** Where to look at it in the Step Functions console (AWS only). */
  readonly consoleUrl?: string;
}

export interface WorkflowEvent {
  readonly timestamp: string;
  readonly type: string;
  readonly state?: string;
  readonly error?: string;
  readonly cause?: string;
}

export interface SessionWorkflow {
  /** Starts the session's execution (named `input.sessionId`). */
  start(input: SessionWorkflowInput): Promise<void>;
  /** Undefined when the session has no execution (its start was lost: the sweeper settles such sessions). */
  describe(sessionId: string): Promise<WorkflowExecution | undefined>;
  /** Oldest first; undefined when the session has no execution. */
  history(sessionId: string): Promise<WorkflowEvent[] | undefined>;
  /** Completes a callback task. A token already used, timed out or of an ended execution is simply late: no error. */
  succeed(taskToken: string, output: unknown): Promise<void>;
  fail(taskToken: string, error: string, cause: string): Promise<void>;
  /** False once the task timed out or its execution ended: what it waits for is no longer wanted. */
  isWaiting(taskToken: string): Promise<boolean>;
}
