/**
 * The shape every Payter callback Lambda shares: a small JSON body validated with zod (an
 * oversized or bad body is a 4xx naming what is wrong), a capability token from the path,
 * the domain's named errors mapped to HTTP codes.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type * as z from 'zod';
import { HttpError, answerError, checkPathIds, errorResult, json, parseBody, type HttpResult } from './api';

/** Payter's callback bodies are a few hundred bytes; anything near this is not from Payter. */
export const MAX_CALLBACK_BYTES = 8 * 1024;

function readCallback<S extends z.ZodType>(event: APIGatewayProxyEventV2, schema: S): { body: z.output<S>; path: Record<string, string> } {
  if (Buffer.byteLength(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8') > MAX_CALLBACK_BYTES) {
    throw new HttpError(413, 'PayloadTooLarge', `a callback body may be at most ${MAX_CALLBACK_BYTES} bytes`);
  }
  const path = checkPathIds({ ...event.pathParameters } as Record<string, string>);
  return { body: parseBody(event, schema), path };
}

export async function handleCallback<S extends z.ZodType>(
  event: APIGatewayProxyEventV2,
  schema: S,
  act: (body: z.output<S>, path: Record<string, string>) => Promise<unknown>,
): Promise<HttpResult> {
  try {
    const { body, path } = readCallback(event, schema);
    return json(200, await act(body, path));
  } catch (error) {
    return answerError(error);
  }
}

/**
 * The answer to a callback refused before anything is stored (ahead of the idempotency
 * layer, so a forged or garbled one writes nothing): a bad size, path or body, or a capability
 * token that is not ours for it (404, as for every refusal of a capability). Undefined for one
 * to handle.
 */
export async function refusedCallback<S extends z.ZodType>(
  event: APIGatewayProxyEventV2,
  schema: S,
  authentic: (body: z.output<S>, path: Record<string, string>) => Promise<boolean>,
): Promise<HttpResult | undefined> {
  try {
    const { body, path } = readCallback(event, schema);
    if (!(await authentic(body, path))) throw new HttpError(404, 'NotFound', 'no such callback');
    return undefined;
  } catch (error) {
    if (error instanceof HttpError) return errorResult(error);
    throw error;
  }
}
