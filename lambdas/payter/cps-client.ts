/**
 * The one client of Payter's Cloud Payment Service (docs/payter.md). Every expected
 * answer, good or bad, comes back as a typed outcome; nothing is thrown for a decline, a
 * conflict, an outage or a malformed answer, so callers must decide what each one means.
 */
import type * as z from 'zod';
import {
  authorizationSchema,
  cancellationSchema,
  commitAnswerSchema,
  cpsAuthorizationHeader,
  sessionListSchema,
  sessionSchema,
  terminalSchema,
  type Authorization,
  type Cancellation,
  type CommitAnswer,
  type PayterScreen,
  type PayterSession,
  type Terminal,
} from './cps-contract';
import { CPS_ASSUMED, errorAnswerSchema, refundAnswerSchema, type Refund } from './cps-assumed';

export interface Ok<T> {
  readonly kind: 'ok';
  readonly value: T;
}
/** `authorize` only: the card was declined (HTTP 402 DECLINED). */
export interface Declined {
  readonly kind: 'declined';
  readonly message: string;
}
/** HTTP 409: the session is already final, the reader is busy, a refund is too large. */
export interface Conflict {
  readonly kind: 'conflict';
  readonly message: string;
}
/**
 * Worth retrying: a timeout, a network error, HTTP 408, 429 or 5xx. The command may still
 * have taken effect (a timed-out commit can have committed): re-read before acting twice.
 */
export interface Transient {
  readonly kind: 'transient';
  readonly reason: string;
  /** Absent when no answer arrived. */
  readonly status?: number;
}
/**
 * Any other refusal: a bug or bad configuration (401 wrong key, 404 unknown terminal, 400
 * bad parameter). `status` 0: the client refused the request before sending it.
 */
export interface Rejected {
  readonly kind: 'rejected';
  readonly status: number;
  readonly message: string;
}
/**
 * CPS answered 2xx (or 1xx/3xx) with a body outside the contract. Not `rejected`: the command
 * may well have been accepted (an authorize may hold money), so it is neither a clean "no"
 * nor a clean "yes"; the caller re-reads state (`getSession`, `listSessions`) to find out.
 */
export interface ProtocolError {
  readonly kind: 'protocol';
  readonly status: number;
  readonly message: string;
}

export type PayterOutcome<T> = Ok<T> | Conflict | Transient | Rejected | ProtocolError;
export type AuthorizeOutcome = PayterOutcome<Authorization> | Declined;
export type PayterOutcomeKind = (PayterOutcome<unknown> | Declined)['kind'];

export interface PayterClientOptions {
  /** e.g. `https://cps.mypayter.com` or the local simulator's url. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** @default 10_000 */
  readonly timeoutMs?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** Most calls accept a message shown on the reader for `uiMessageTimeout` seconds. */
export interface UiMessageOptions {
  readonly uiMessage?: string;
  readonly uiMessageTimeout?: number;
}

export interface TerminalRef {
  readonly serial: string;
}
export interface SessionRef extends TerminalRef {
  readonly sessionId: string;
}
export interface StartReadingRequest extends TerminalRef {
  /** Minor units. */
  readonly authorizedAmount: number;
  /** Where CPS POSTs the read card. */
  readonly callbackUrl: string;
  readonly uiMessage?: string;
  readonly uiMessageTitle?: string;
  readonly language?: string;
  readonly hideAmount?: boolean;
}
export interface StopReadingRequest extends TerminalRef, UiMessageOptions {}
export interface AuthorizeRequest extends TerminalRef, UiMessageOptions {
  readonly receiptLine?: string;
}
export interface CommitRequest extends SessionRef, UiMessageOptions {
  /** Minor units; at most the authorized amount; 0 cancels. */
  readonly commitAmount: number;
  readonly receiptLine?: string;
}
export interface CancelRequest extends SessionRef, UiMessageOptions {
  readonly receiptLine?: string;
}
export interface ShowUiRequest extends TerminalRef {
  /** Where CPS POSTs button presses. */
  readonly callbackUrl?: string;
  readonly screen: PayterScreen;
}
export interface RefundRequest extends SessionRef {
  /** Minor units. */
  readonly amount: number;
}

type QueryValue = string | number | boolean | undefined;

interface CpsRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly body?: unknown;
}

/** The answer body does not matter: only the status does. */
const NO_ANSWER_BODY = null;

export class PayterClient {
  private readonly baseUrl: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: PayterClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.authorization = cpsAuthorizationHeader(options.apiKey);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  getTerminal({ serial }: TerminalRef): Promise<PayterOutcome<Terminal>> {
    return this.send({ method: 'GET', path: terminalPath(serial) }, terminalSchema);
  }

  startReading(request: StartReadingRequest): Promise<PayterOutcome<void>> {
    const { serial, authorizedAmount, callbackUrl, uiMessage, uiMessageTitle, language, hideAmount } = request;
    return this.send(
      {
        method: 'POST',
        path: terminalPath(serial, 'start'),
        query: { authorizedAmount, callbackUrl, uiMessage, uiMessageTitle, language, hideAmount },
      },
      NO_ANSWER_BODY,
    );
  }

  stopReading({ serial, uiMessage, uiMessageTimeout }: StopReadingRequest): Promise<PayterOutcome<void>> {
    return this.send(
      { method: 'POST', path: terminalPath(serial, 'stop'), query: { uiMessage, uiMessageTimeout } },
      NO_ANSWER_BODY,
    );
  }

  authorize({ serial, uiMessage, uiMessageTimeout, receiptLine }: AuthorizeRequest): Promise<AuthorizeOutcome> {
    return this.send(
      { method: 'POST', path: terminalPath(serial, 'authorize'), query: { uiMessage, uiMessageTimeout, receiptLine } },
      authorizationSchema,
      { declinable: true },
    );
  }

  commit(request: CommitRequest): Promise<PayterOutcome<CommitAnswer>> {
    const { serial, sessionId, commitAmount, uiMessage, uiMessageTimeout, receiptLine } = request;
    return this.send(
      {
        method: 'POST',
        path: sessionPath(serial, sessionId, 'commit'),
        query: { commitAmount, uiMessage, uiMessageTimeout, receiptLine },
      },
      commitAnswerSchema,
    );
  }

  cancel(request: CancelRequest): Promise<PayterOutcome<Cancellation>> {
    const { serial, sessionId, uiMessage, uiMessageTimeout, receiptLine } = request;
    return this.send(
      { method: 'POST', path: sessionPath(serial, sessionId, 'cancel'), query: { uiMessage, uiMessageTimeout, receiptLine } },
      cancellationSchema,
    );
  }

  getSession({ serial, sessionId }: SessionRef): Promise<PayterOutcome<PayterSession>> {
    return this.send({ method: 'GET', path: sessionPath(serial, sessionId) }, sessionSchema);
  }

  listSessions({ serial }: TerminalRef): Promise<PayterOutcome<PayterSession[]>> {
    return this.send({ method: 'GET', path: terminalPath(serial, 'sessions') }, sessionListSchema);
  }

  showUi({ serial, callbackUrl, screen }: ShowUiRequest): Promise<PayterOutcome<void>> {
    return this.send(
      { method: 'POST', path: terminalPath(serial, 'ui'), query: { callbackUrl }, body: screen },
      NO_ANSWER_BODY,
    );
  }

  /** (assumed) call: see cps-assumed.ts. */
  refund({ serial, sessionId, amount }: RefundRequest): Promise<PayterOutcome<Refund>> {
    return this.send(
      {
        method: 'POST',
        path: CPS_ASSUMED.refund.path(serial, sessionId),
        query: { [CPS_ASSUMED.refund.amountParameter]: amount },
      },
      refundAnswerSchema,
    );
  }

  private send(request: CpsRequest, answer: typeof NO_ANSWER_BODY): Promise<PayterOutcome<void>>;
  private send<T>(request: CpsRequest, answer: z.ZodType<T, unknown>): Promise<PayterOutcome<T>>;
  private send<T>(
    request: CpsRequest,
    answer: z.ZodType<T, unknown>,
    options: { declinable: true },
  ): Promise<PayterOutcome<T> | Declined>;
  private async send<T>(
    request: CpsRequest,
    answer: z.ZodType<T, unknown> | typeof NO_ANSWER_BODY,
    options: { declinable?: boolean } = {},
  ): Promise<PayterOutcome<T | void> | Declined> {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value === undefined) continue;
      // Every number CPS takes (amounts in minor units, timeouts in seconds) is a whole number.
      if (typeof value === 'number' && !(Number.isSafeInteger(value) && value >= 0)) {
        return { kind: 'rejected', status: 0, message: `${name} must be a non-negative integer, got ${value}` };
      }
      query.set(name, String(value));
    }
    const search = query.size > 0 ? `?${query.toString()}` : '';
    const headers: Record<string, string> = { authorization: this.authorization, accept: 'application/json' };
    if (request.body !== undefined) headers['content-type'] = 'application/json';

    let status: number;
    let text: string;
    try {
      const response = await this.fetch(`${this.baseUrl}${request.path}${search}`, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      return { kind: 'transient', reason: describeFetchFailure(error, this.timeoutMs) };
    }

    if (status >= 200 && status < 300) {
      if (answer === NO_ANSWER_BODY) return { kind: 'ok', value: undefined };
      const parsed = answer.safeParse(parseJson(text));
      if (parsed.success) return { kind: 'ok', value: parsed.data };
      return {
        kind: 'protocol',
        status,
        message: `unexpected answer to ${request.method} ${request.path}: ${parsed.error.issues
          .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
          .join('; ')}`,
      };
    }

    const error = errorAnswerSchema.safeParse(parseJson(text));
    const body = error.success ? error.data : {};
    const message = body.message ?? body.error ?? (text.slice(0, 200) || `HTTP ${status}`);
    if (options.declinable && status === CPS_ASSUMED.decline.status && body.error === CPS_ASSUMED.decline.error) {
      return { kind: 'declined', message };
    }
    if (status === 409) return { kind: 'conflict', message };
    if (status === 408 || status === 429 || status >= 500) {
      return { kind: 'transient', reason: `HTTP ${status}: ${message}`, status };
    }
    if (status >= 400) return { kind: 'rejected', status, message };
    return { kind: 'protocol', status, message: `unexpected HTTP ${status} to ${request.method} ${request.path}` };
  }
}

function terminalPath(serial: string, ...rest: string[]): string {
  return ['/terminals', encodeURIComponent(serial), ...rest].join('/');
}

function sessionPath(serial: string, sessionId: string, action?: string): string {
  const path = terminalPath(serial, 'sessions', encodeURIComponent(sessionId));
  return action === undefined ? path : `${path}/${action}`;
}

export function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `network error: ${error.message}${cause}`;
  }
  return `network error: ${String(error)}`;
}
