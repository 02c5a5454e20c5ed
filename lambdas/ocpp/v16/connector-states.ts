/** OCPP 1.6's connector statuses (StatusNotification.status) in the domain's words. */
import type { ConnectorState } from '../../csms/model';
import type { ChargePointStatus } from './schemas';
import type { z } from 'zod';

const STATES: Record<z.infer<typeof ChargePointStatus>, ConnectorState> = {
  Available: 'available',
  Preparing: 'preparing',
  Charging: 'charging',
  SuspendedEV: 'suspendedByVehicle',
  SuspendedEVSE: 'suspendedByCharger',
  Finishing: 'finishing',
  Reserved: 'reserved',
  Unavailable: 'unavailable',
  Faulted: 'faulted',
};

/**
 * The domain state of a 1.6 status. A word outside 1.6's (which validation never lets through)
 * counts as available, as the connector's rules treated any status they did not name.
 */
export function connectorStateOf16(status: string): ConnectorState {
  return Object.hasOwn(STATES, status) ? STATES[status as keyof typeof STATES] : 'available';
}
