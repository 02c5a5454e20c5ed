/** The Installer Panel's backend: `ANY /installer/{proxy+}` on the HTTP API (IAM or JWT on AWS). */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HttpError, json, parseBody, router } from './http/api';
import { readerCommissioningSchema, siteSettingsSchema, stationProvisioningSchema } from './sites/site-settings';
import { commissioning, installer } from './aws/composition';
import { lambdaHandler, logger } from './shared/lambda';

const route = router([
  {
    method: 'PUT',
    path: '/installer/sites/{siteId}',
    handle: async (event, { siteId }) => {
      const site = parseBody(event, siteSettingsSchema, { siteId: pathMatch(event, 'siteId', siteId) });
      const stored = await installer().putSite(site);
      logger.info('site saved', { siteId: stored.siteId });
      return json(200, stored);
    },
  },
  {
    method: 'GET',
    path: '/installer/sites/{siteId}',
    handle: async (_event, { siteId }) => json(200, await installer().getSite(siteId!)),
  },
  {
    method: 'PUT',
    path: '/installer/stations/{stationId}',
    handle: async (event, { stationId }) => {
      const request = parseBody(event, stationProvisioningSchema, { stationId: pathMatch(event, 'stationId', stationId) });
      const station = await installer().provisionStation(request);
      logger.info('station provisioned', { stationId: station.stationId, siteId: station.siteId });
      return json(200, station);
    },
  },
  {
    method: 'GET',
    path: '/installer/stations/{stationId}',
    handle: async (_event, { stationId }) => json(200, await installer().getStation(stationId!)),
  },
  {
    method: 'PUT',
    path: '/installer/readers/{serialNumber}',
    handle: async (event, { serialNumber }) => {
      const request = parseBody(event, readerCommissioningSchema, {
        serialNumber: pathMatch(event, 'serialNumber', serialNumber),
      });
      const reader = await (await commissioning()).commission(request.serialNumber, request);
      logger.info('reader commissioned', { serialNumber: reader.serialNumber, stationId: reader.stationId });
      return json(200, reader);
    },
  },
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
]);

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
