/**
 * OCPP 2.0.1 charging-station-to-CSMS actions mapped onto the version-neutral ChargingStations
 * service, as lambdas/ocpp/v16/charger-actions.ts does for 1.6. The domain's connector is the
 * 2.0.1 EVSE (one charging point, one session at a time).
 */
import type { ChargingStations } from '../../csms/charging-stations';
import type { StationActions } from '../station-frames';
import { connectorStateOf201 } from './connector-states';
import type { ChargerToCsmsMessages, ReportData } from './schemas';
import { readingsOf, transactionEvent } from './transaction-events';
import type { z } from 'zod';

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
    // 2.0.1 sends a transaction's readings in its TransactionEvents: these are the EVSE's own,
    // stored and never billed.
    MeterValues: async (stationId, req) => {
      await stations.meterValues(stationId, { connectorId: req.evseId, readings: readingsOf(req.meterValue) });
      return {};
    },
    // Acknowledged: the CSMS sets no monitors, and a connector's faults come with its StatusNotification.
    NotifyEvent: async () => ({}),
    NotifyReport: async (stationId, req) => {
      const display = displayIn(req.reportData);
      if (display !== undefined) await stations.displayCapability(stationId, display);
      return {};
    },
    // Acknowledged as OCPP requires; the CSMS keeps no security log of its own yet.
    SecurityEventNotification: async () => ({}),
  };
}

/** The DisplayMessageCtrlr variables that say whether the station's display may be written to. */
const DISPLAY_VARIABLES = new Set(['Available', 'Enabled']);

/**
 * Whether a report (a GetBaseReport's answer) says the station has a display the CSMS may
 * write to: its DisplayMessageCtrlr's Actual Available or Enabled; undefined when it says neither.
 * One that is false means no display, whatever the other says.
 */
export function displayIn(reportData: readonly z.infer<typeof ReportData>[] = []): boolean | undefined {
  let display: boolean | undefined;
  for (const { component, variable, variableAttribute } of reportData) {
    if (component.name !== 'DisplayMessageCtrlr' || !DISPLAY_VARIABLES.has(variable.name)) continue;
    const actual = variableAttribute.find((attribute) => (attribute.type ?? 'Actual') === 'Actual')?.value;
    if (actual === 'false') return false;
    if (actual === 'true') display = true;
  }
  return display;
}
