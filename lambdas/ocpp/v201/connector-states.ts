/** OCPP 2.0.1's connector statuses (StatusNotification.connectorStatus) in the domain's words. */
import type { z } from 'zod';
import type { ConnectorState } from '../../csms/model';
import type { ConnectorStatus } from './schemas';

/** 2.0.1 says only Occupied where 1.6 said Preparing/Charging/Suspended/Finishing: the
 * transaction's chargingState tells those apart; a plugged, idle connector is preparing. */
const STATES: Record<z.infer<typeof ConnectorStatus>, ConnectorState> = {
  Available: 'available',
  Occupied: 'preparing',
  Reserved: 'reserved',
  Unavailable: 'unavailable',
  Faulted: 'faulted',
};

export function connectorStateOf201(status: z.infer<typeof ConnectorStatus>): ConnectorState {
  return STATES[status];
}
