import type { ChargingSession, SessionStatus } from './model';

export interface SessionRepository {
  create(session: ChargingSession): Promise<void>;
  get(sessionId: string): Promise<ChargingSession | undefined>;
  findByIdTag(idTag: string): Promise<ChargingSession | undefined>;
  /** Moves a session on from one of `from`; the session after the change, or undefined when it was in none of them. */
  transition(
    sessionId: string,
    from: readonly SessionStatus[],
    to: SessionStatus,
    at: string,
    fields?: Partial<ChargingSession>,
  ): Promise<ChargingSession | undefined>;
  /** Sets fields whatever the status; the session after the change. */
  update(sessionId: string, fields: Partial<ChargingSession>, at: string): Promise<ChargingSession>;
}

/** Starts the session workflow execution, named after the session. */
export interface SessionWorkflows {
  start(executionName: string, input: unknown): Promise<{ executionArn: string }>;
}
