/**
 * The one way the HTTP API Lambdas (installer, ops, Payter callbacks) parse requests and
 * answer: JSON bodies validated with zod, errors as `{error, details}` with a 4xx naming each
 * bad field, and named error classes mapped to status codes at the edge.
 */
import httpRouter, { type Method } from '@middy/http-router';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod';
import { CallFailedError, StationOfflineError, UnknownStationError, UnsupportedCallError } from '../csms/csms-calls';
import { OcppError } from '../ocpp/frames';
import { BadReferenceError, ConflictError, NotFoundError, PayterUnavailableError } from '../shared/errors';
import { idProblem, isIdKind } from '../shared/ids';
import { mayCall, type ApiName } from './access';

export type HttpResult = APIGatewayProxyStructuredResultV2;

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
    readonly details: readonly FieldError[] = [],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The domain's named errors as HTTP answers, for every API; undefined for anything else (a 500). */
export function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  // An operator's OCPP call whose payload the charger's schema refuses: nothing was sent.
  if (error instanceof OcppError) {
    return new HttpError(400, 'ValidationError', error.message, [{ field: 'payload', message: `${error.code}: ${error.message}` }]);
  }
  if (error instanceof UnsupportedCallError) return new HttpError(400, error.name, error.message, [{ field: 'action', message: error.message }]);
  if (error instanceof UnknownStationError) return new HttpError(404, 'NotFound', error.message);
  if (error instanceof StationOfflineError) return new HttpError(409, error.name, error.message);
  if (error instanceof CallFailedError) {
    // Offline before its turn, or a stop of a transaction that already ended: nothing was sent.
    const conflict = error.name === 'StationOffline' || error.name === 'TransactionEnded';
    return new HttpError(conflict ? 409 : 504, error.name, error.message);
  }
  if (error instanceof NotFoundError) return new HttpError(404, 'NotFound', error.message);
  if (error instanceof BadReferenceError) {
    return new HttpError(400, 'ValidationError', error.message, [{ field: error.field, message: error.message }]);
  }
  if (error instanceof ConflictError) return new HttpError(409, 'Conflict', error.message, [{ field: error.field, message: error.message }]);
  if (error instanceof PayterUnavailableError) return new HttpError(502, error.name, error.message);
  return undefined;
}

export function json(statusCode: number, body: unknown): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

export function errorResult(error: HttpError): HttpResult {
  return json(error.statusCode, { error: error.error, message: error.message, details: error.details });
}

/** The HTTP answer to a thrown error the domain names; anything else is rethrown (a 500, logged). */
export function answerError(error: unknown): HttpResult {
  const mapped = toHttpError(error);
  if (mapped) return errorResult(mapped);
  throw error;
}

export function fieldErrors(issues: readonly z.core.$ZodIssue[]): FieldError[] {
  return issues.map((issue) => ({
    field: issue.path.length ? issue.path.map(String).join('.') : '(body)',
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}

/** Parses the JSON body and validates it; a bad body is a 400 naming every bad field. */
export function parseBody<S extends z.ZodType>(event: APIGatewayProxyEventV2, schema: S, merge: object = {}): z.output<S> {
  let raw: unknown;
  try {
    const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
    raw = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new HttpError(400, 'InvalidJson', 'the request body is not valid JSON', [{ field: '(body)', message: 'not valid JSON' }]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new HttpError(400, 'ValidationError', 'the request body must be a JSON object', [
      { field: '(body)', message: 'must be a JSON object' },
    ]);
  }
  const result = schema.safeParse({ ...raw, ...merge });
  if (!result.success) {
    throw new HttpError(400, 'ValidationError', 'the request body is invalid', fieldErrors(result.error.issues));
  }
  return result.data;
}

/**
 * Path parameters as the handlers see them: %-decoded, every id within its declared length.
 * A malformed escape or an overlong id is the caller's 400 naming the parameter. (HTTP API
 * may hand over a path it has already decoded, so a literal '%' can reach us too.)
 */
export function decodePathParameters(raw: Iterable<readonly [string, string]>): Record<string, string> {
  const params: Record<string, string> = {};
  const problems: FieldError[] = [];
  for (const [name, encoded] of raw) {
    try {
      params[name] = decodeURIComponent(encoded);
    } catch {
      problems.push({ field: name, message: 'malformed %-escape in the path' });
    }
  }
  return checkPathIds(params, problems);
}

/** Path parameters API Gateway has already decoded: every id within its declared length. */
export function checkPathIds(params: Record<string, string>, problems: FieldError[] = []): Record<string, string> {
  for (const [name, value] of Object.entries(params)) {
    const problem = isIdKind(name) ? idProblem(name, value) : undefined;
    if (problem) problems.push({ field: name, message: problem });
  }
  if (problems.length > 0) throw new HttpError(400, 'ValidationError', 'the path is invalid', problems);
  return params;
}

export interface Route {
  readonly method: Method;
  readonly path: string;
  readonly handle: (event: APIGatewayProxyEventV2, params: Record<string, string>) => Promise<HttpResult>;
}

/** What a router throws when nothing answers the request: then it is a 404 or a 405. */
const MISSED = new Error('no route');
const missed = (): never => {
  throw MISSED;
};

/**
 * Routes one Lambda's share of the HTTP API (`ANY /installer/{proxy+}`) by method and path with
 * @middy/http-router, which matches `requestContext.http.path` (on our `$default` stage the path
 * as sent, like `rawPath`), not the event's routeKey. Left to us: its path parameters are the raw
 * segments (merged into `event.pathParameters` beside API Gateway's `proxy`), so each route's own
 * are %-decoded and checked here; and it answers a wrong method like an unknown path, so a miss is
 * looked up again by path alone (as a GET) to tell a 405 from a 404. A caller outside the groups
 * of `api` is answered 403 before any route runs.
 */
export function router(routes: readonly Route[], api?: ApiName) {
  const byMethod = httpRouter<APIGatewayProxyEventV2, HttpResult>({
    routes: routes.map(({ method, path, handle }) => {
      const names = Array.from(path.matchAll(/\{(\w+)\}/g), (match) => match[1]!);
      return {
        method,
        path,
        handler: (event: APIGatewayProxyEventV2) =>
          handle(event, decodePathParameters(names.map((name) => [name, event.pathParameters?.[name] ?? '']))),
      };
    }),
    notFoundResponse: missed,
  });
  const byPath = httpRouter<APIGatewayProxyEventV2, HttpResult>({
    routes: [...new Set(routes.map((route) => route.path))].map((path) => ({ method: 'GET', path, handler: async () => ({ statusCode: 405 }) })),
    notFoundResponse: missed,
  });
  const pathKnown = async (event: APIGatewayProxyEventV2, context: Context): Promise<boolean> => {
    const http = { ...event.requestContext.http, method: 'GET' };
    try {
      await byPath({ ...event, requestContext: { ...event.requestContext, http } }, context);
      return true;
    } catch {
      return false;
    }
  };
  return async (event: APIGatewayProxyEventV2, context: Context): Promise<HttpResult> => {
    if (api !== undefined && !mayCall(event, api)) {
      return errorResult(new HttpError(403, 'Forbidden', `your groups do not reach the ${api} API`));
    }
    try {
      return await byMethod(event, context);
    } catch (error) {
      if (error !== MISSED) return answerError(error);
      const { method } = event.requestContext.http;
      const path = event.rawPath;
      return errorResult(
        (await pathKnown(event, context))
          ? new HttpError(405, 'MethodNotAllowed', `${method} is not allowed on ${path}`)
          : new HttpError(404, 'NotFound', `no route for ${method} ${path}`),
      );
    }
  };
}
