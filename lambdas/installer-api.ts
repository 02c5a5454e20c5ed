/** The Installer Panel's backend: `ANY /installer/{proxy+}` on the HTTP API (Cognito JWTs of the installers or operators group on AWS). */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { z } from 'zod';
import { HttpError, json, parseBody, router, type Route } from './http/api';
import { readerCommissioningSchema, siteSettingsSchema, stationProvisioningSchema } from './sites/site-settings';
import { previewSite, sitePreviewSchema } from './pricing/site-preview';
import { commissioning, installer } from './aws/composition';
import { lambdaHandler, logger } from './shared/lambda';

const route = router([
  putById('/installer/sites/{siteId}', 'siteId', siteSettingsSchema, (site) => installer().putSite(site), (stored) => [
    'site saved',
    { siteId: stored.siteId },
  ]),
  {
    // Nothing is stored: the start screen and a quote of the settings as they stand in the editor.
    method: 'POST',
    path: '/installer/site-preview',
    handle: async (event) => {
      const { site, usage } = parseBody(event, sitePreviewSchema);
      // The receipt screen's QR code: this endpoint's own receipt address, for an example session.
      const receiptUrl = `https://${event.requestContext.domainName}/receipts/00000000-0000-4000-8000-000000000000`;
      return json(200, previewSite(site, usage, receiptUrl));
    },
  },
  {
    method: 'GET',
    path: '/installer/sites/{siteId}',
    handle: async (_event, { siteId }) => json(200, await installer().getSite(siteId!)),
  },
  putById('/installer/stations/{stationId}', 'stationId', stationProvisioningSchema, (request) => installer().provisionStation(request), (station) => [
    'station provisioned',
    { stationId: station.stationId, siteId: station.siteId },
  ]),
  {
    method: 'GET',
    path: '/installer/stations/{stationId}',
    handle: async (_event, { stationId }) => json(200, await installer().getStation(stationId!)),
  },
  putById(
    '/installer/readers/{serialNumber}',
    'serialNumber',
    readerCommissioningSchema,
    async (request) => (await commissioning()).commission(request.serialNumber, request),
    (reader) => ['reader commissioned', { serialNumber: reader.serialNumber, stationId: reader.stationId }],
  ),
  {
    method: 'GET',
    path: '/installer/readers/{serialNumber}',
    handle: async (_event, { serialNumber }) =>
      json(200, await (await commissioning()).get(serialNumber!)),
  },
  {
    method: 'DELETE',
    path: '/installer/readers/{serialNumber}',
    handle: async (_event, { serialNumber }) => {
      await (await commissioning()).decommission(serialNumber!);
      logger.info('reader decommissioned', { serialNumber });
      return { statusCode: 204 };
    },
  },
], 'installer');

/**
 * A PUT of the resource the path names: the body is validated with the path's id in it, saved,
 * logged, and the stored resource answered.
 */
function putById<S extends z.ZodType, R>(
  path: string,
  field: string,
  schema: S,
  save: (body: z.output<S>) => Promise<R>,
  logged: (saved: R) => [message: string, details: Record<string, unknown>],
): Route {
  return {
    method: 'PUT',
    path,
    handle: async (event, parameters) => {
      const saved = await save(parseBody(event, schema, { [field]: pathMatch(event, field, parameters[field]) }));
      logger.info(...logged(saved));
      return json(200, saved);
    },
  };
}

/** The id in the path is the resource's id; a body naming another id is a mistake, not a rename. */
function pathMatch(event: APIGatewayProxyEventV2, field: string, fromPath: string | undefined): string {
  const body = safeJson(event.body);
  const fromBody = body?.[field];
  if (fromBody !== undefined && fromBody !== fromPath) {
    throw new HttpError(400, 'ValidationError', `${field} in the body differs from the path`, [
      { field, message: `must equal "${fromPath}" from the path` },
    ]);
  }
  return fromPath ?? '';
}

function safeJson(text: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text ?? '');
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export const handler = lambdaHandler(route);
