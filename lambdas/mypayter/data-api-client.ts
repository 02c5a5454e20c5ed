/**
 * The one client of MyPayter's Data API (docs/payter.md "MyPayter Data API"): logs in
 * with the account's credentials, reuses the CURO token until it expires (or is refused, then
 * logs in once more) and reads the Transactions index incrementally. Like the CPS client,
 * every expected answer comes back as a typed outcome: nothing is thrown for a refusal, an
 * outage or a malformed answer. Our guesses about the API live in `data-api-assumed.ts`.
 */
import type * as z from 'zod';
import { describeFetchFailure, parseJson, type Ok, type ProtocolError, type Rejected, type Transient } from '../payter/cps-client';
import {
  DATA_API_ASSUMED,
  authAnswerSchema,
  curoAuthorizationHeader,
  dataAnswerSchema,
  transactionsQuery,
  type DataCursor,
  type MyPayterTransaction,
} from './data-api-assumed';

/** `rejected` with status 401: MyPayter refused the credentials themselves. */
export type MyPayterOutcome<T> = Ok<T> | Transient | Rejected | ProtocolError;

export interface MyPayterCredentials {
  readonly username: string;
  readonly password: string;
  readonly domain: string;
}

export interface MyPayterClientOptions {
  /** e.g. `https://api.mypayter.com` or the local simulator's url (the paths start with /API). */
  readonly baseUrl: string;
  readonly credentials: MyPayterCredentials;
  /** @default 10_000 */
  readonly timeoutMs?: number;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default () => Date.now() */
  readonly now?: () => number;
}

export interface TransactionPage {
  readonly transactions: MyPayterTransaction[];
  /** Where the next read resumes; undefined when the page was empty. */
  readonly next?: DataCursor;
  /** True when this was the last page for now. */
  readonly done: boolean;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

export class MyPayterClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private token: { value: string; expiresAt: number } | undefined;

  constructor(private readonly options: MyPayterClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
  }

  /** One page of transactions ingested after `after` (from the beginning when undefined). */
  async transactionsAfter(after: DataCursor | undefined, pageSize: number = DATA_API_ASSUMED.pageSize): Promise<MyPayterOutcome<TransactionPage>> {
    const answer = await this.authorized(DATA_API_ASSUMED.dataPath, transactionsQuery(after, pageSize));
    if (answer.kind !== 'ok') return answer;
    const parsed = parse(answer.value, dataAnswerSchema, DATA_API_ASSUMED.dataPath);
    if (parsed.kind !== 'ok') return parsed;
    const transactions = parsed.value.results;
    const last = transactions.at(-1);
    return {
      kind: 'ok',
      value: {
        transactions,
        ...(last && { next: { ingestTime: last.ingestTime, transactionId: last.transactionId } }),
        done: transactions.length < pageSize,
      },
    };
  }

  /** A data call with a valid token: logs in when there is none or it expired, and once more if it is refused. */
  private async authorized(path: string, body: unknown): Promise<MyPayterOutcome<Answer>> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = await this.validToken();
      if (token.kind !== 'ok') return token;
      const answer = await this.post(path, body, curoAuthorizationHeader(token.value));
      if (answer.kind !== 'ok') return answer;
      if (answer.value.status === 401 && attempt === 0) {
        this.token = undefined;
        continue;
      }
      return classify(answer.value, path);
    }
    return { kind: 'rejected', status: 401, message: 'MyPayter refused a fresh token' };
  }

  private async validToken(): Promise<MyPayterOutcome<string>> {
    if (this.token && this.token.expiresAt > this.now()) return { kind: 'ok', value: this.token.value };
    const answer = await this.post(DATA_API_ASSUMED.authPath, this.options.credentials);
    if (answer.kind !== 'ok') return answer;
    const classified = classify(answer.value, DATA_API_ASSUMED.authPath);
    if (classified.kind !== 'ok') {
      return classified.kind === 'rejected' && classified.status === 401
        ? { ...classified, message: `MyPayter refused the credentials: ${classified.message}` }
        : classified;
    }
    const parsed = parse(classified.value, authAnswerSchema, DATA_API_ASSUMED.authPath);
    if (parsed.kind !== 'ok') return parsed;
    this.token = { value: parsed.value.token, expiresAt: this.now() + DATA_API_ASSUMED.tokenLifetimeMs };
    return { kind: 'ok', value: parsed.value.token };
  }

  private async post(path: string, body: unknown, authorization?: string): Promise<Ok<Answer> | Transient> {
    try {
      const response = await this.fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...(authorization && { authorization }) },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await response.text();
      return { kind: 'ok', value: { status: response.status, body: parseJson(text), text } };
    } catch (error) {
      return { kind: 'transient', reason: describeFetchFailure(error, this.timeoutMs) };
    }
  }
}

function classify(answer: Answer, path: string): MyPayterOutcome<Answer> {
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: 'ok', value: answer };
  const message = errorMessage(answer);
  if (status === 408 || status === 429 || status >= 500) return { kind: 'transient', reason: `HTTP ${status}: ${message}`, status };
  if (status >= 400) return { kind: 'rejected', status, message };
  return { kind: 'protocol', status, message: `unexpected HTTP ${status} to POST ${path}` };
}

function parse<T>(answer: Answer, schema: z.ZodType<T, unknown>, path: string): MyPayterOutcome<T> {
  const parsed = schema.safeParse(answer.body);
  if (parsed.success) return { kind: 'ok', value: parsed.data };
  return {
    kind: 'protocol',
    status: answer.status,
    message: `unexpected answer to POST ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`,
  };
}

function errorMessage({ body, text, status }: Answer): string {
  if (body && typeof body === 'object') {
    const { message, error } = body as { message?: unknown; error?: unknown };
    if (typeof message === 'string') return message;
    if (typeof error === 'string') return error;
  }
  return text.slice(0, 200) || `HTTP ${status}`;
}
