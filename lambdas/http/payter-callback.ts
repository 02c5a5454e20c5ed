/**
 * The shape every Payter callback Lambda shares: a small JSON body validated with zod (an
 * oversized or bad body is a 4xx naming what is wrong), a capability token from the path,
 * the domain's named errors mapped to HTTP codes.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import { HttpError, errorResult, json, parseBody, toHttpError, type HttpResult } from './api';

/** Payter's callback bodies are a few hundred bytes; anything near this is not from Payter. */
export const MAX_CALLBACK_BYTES = 8 * 1024;

export async function handleCallback<S extends z.ZodType>(
  event: APIGatewayProxyEventV2,
  schema: S,
  act: (body: z.output<S>, path: Record<string, string>) => Promise<unknown>,
): Promise<HttpResult> {
  try {
    if (Buffer.byteLength(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8') > MAX_CALLBACK_BYTES) {
      throw new HttpError(413, 'PayloadTooLarge', `a callback body may be at most ${MAX_CALLBACK_BYTES} bytes`);
    }
    const body = parseBody(event, schema);
    return json(200, await act(body, (event.pathParameters ?? {}) as Record<string, string>));
  } catch (error) {
    const mapped = toHttpError(error);
    if (mapped) return errorResult(mapped);
    throw error;
  }
}
