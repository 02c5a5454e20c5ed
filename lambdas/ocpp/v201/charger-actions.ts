/**
 * OCPP 2.0.1 charging-station-to-CSMS actions mapped onto the version-neutral ChargingStations
 * service, as lambdas/ocpp/v16/charger-actions.ts does for 1.6. The domain's connector is the
 * 2.0.1 EVSE (one charging point, one session at a time).
 */
import type { ChargingStations } from '../../csms/charging-stations';
import type { StationActions } from '../station-frames';
import { connectorStateOf201 } from './connector-states';
import type { ChargerToCsmsMessages } from './schemas';
import { transactionEvent } from './transaction-events';

export type Ocpp201ChargerActions = StationActions<ChargerToCsmsMessages>;

export function ocpp201ChargerActions(stations: ChargingStations): Ocpp201ChargerActions {
  return {
    BootNotification: async (stationId, req) => {
      const { chargingStation: cs } = req;
      return stations.boot(stationId, {
        vendor: cs.vendorName,
        model: cs.model,
        ...(cs.serialNumber !== undefined && { serialNumber: cs.serialNumber }),
        ...(cs.firmwareVersion !== undefined && { firmwareVersion: cs.firmwareVersion }),
      });
    },
    Heartbeat: async (stationId) => stations.heartbeat(stationId),
    StatusNotification: async (stationId, req) => {
      await stations.connectorStatus(stationId, {
        connectorId: req.evseId,
        state: connectorStateOf201(req.connectorStatus),
        status: req.connectorStatus,
        // 2.0.1 reports faults through NotifyEvent, not in the status.
        errorCode: 'NoError',
        timestamp: req.timestamp,
      });
      return {};
    },
    // Only id tokens the CSMS issued for a start on this station are accepted: the card reader pays.
    Authorize: async (stationId, req) => ({ idTokenInfo: { status: await stations.authorizeIdTag(stationId, req.idToken.idToken) } }),
    // No vendor extensions are defined by this CSMS.
    DataTransfer: async () => ({ status: 'UnknownVendorId' }),
    FirmwareStatusNotification: async (stationId, req) => {
      await stations.firmwareStatus(stationId, req.status);
      return {};
    },
    // 2.0.1's log upload stands where 1.6's diagnostics upload did.
    LogStatusNotification: async (stationId, req) => {
      await stations.diagnosticsStatus(stationId, req.status);
      return {};
    },
    TransactionEvent: async (stationId, req) => transactionEvent(stations, stationId, req),
    // Acknowledged as OCPP requires; the CSMS keeps no security log of its own yet.
    SecurityEventNotification: async () => ({}),
  };
}
