/**
 * Sends frames to chargers, and closes their connections, through the API Gateway
 * `@connections` API of our own WebSocket API (`WS_MANAGEMENT_ENDPOINT`; locally the embedded
 * gateway). A 410 means the connection is gone: the caller marks the station offline.
 */
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { StationLink } from '../csms/ports';
import { getStringFromEnv } from '../shared/config';

let client: ApiGatewayManagementApiClient | undefined;

export class ApiGatewayStationLink implements StationLink {
  constructor(
    private readonly api: ApiGatewayManagementApiClient = (client ??= new ApiGatewayManagementApiClient({
      endpoint: getStringFromEnv('WS_MANAGEMENT_ENDPOINT'),
    })),
  ) {}

  async send(connectionId: string, text: string): Promise<'sent' | 'gone'> {
    try {
      await this.api.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode(text) }));
      return 'sent';
    } catch (error) {
      if (isGone(error)) return 'gone';
      throw error;
    }
  }

  async close(connectionId: string): Promise<'closed' | 'gone'> {
    try {
      await this.api.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
      return 'closed';
    } catch (error) {
      if (isGone(error)) return 'gone';
      throw error;
    }
  }
}

const isGone = (error: unknown) => (error as { name?: string }).name === 'GoneException';
