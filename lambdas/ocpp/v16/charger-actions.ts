/**
 * OCPP 1.6 charger-to-CSMS actions mapped onto the version-neutral ChargingStations service.
 * A 2.0.1 adapter would map its own messages onto the same service.
 */
import type { ChargingStations } from '../../csms/charging-stations';
import type { CallContext } from '../station-frames';
import { connectorStateOf16 } from './connector-states';
import type { ChargerToCsmsAction, ChargerToCsmsMessages } from './schemas';

type ActionHandler<A extends ChargerToCsmsAction> = (
  stationId: string,
  request: ChargerToCsmsMessages[A]['request'],
  context: CallContext,
) => Promise<ChargerToCsmsMessages[A]['response']>;

export type ChargerActions = { [A in ChargerToCsmsAction]: ActionHandler<A> };

export function ocpp16ChargerActions(stations: ChargingStations): ChargerActions {
  return {
    BootNotification: async (stationId, req) => {
      const { status, currentTime, interval } = await stations.boot(stationId, {
        vendor: req.chargePointVendor,
        model: req.chargePointModel,
        ...(req.chargePointSerialNumber !== undefined && { serialNumber: req.chargePointSerialNumber }),
        ...(req.firmwareVersion !== undefined && { firmwareVersion: req.firmwareVersion }),
      });
      return { status, currentTime, interval };
    },
    Heartbeat: async (stationId) => stations.heartbeat(stationId),
    StatusNotification: async (stationId, req) => {
      await stations.connectorStatus(stationId, { ...req, state: connectorStateOf16(req.status) });
      return {};
    },
    Authorize: async (stationId, req) => ({ idTagInfo: { status: await stations.authorizeIdTag(stationId, req.idTag) } }),
    StartTransaction: async (stationId, req, { timestampsWithoutOffset }) => {
      const { transactionId, idTagStatus } = await stations.startTransaction(stationId, {
        ...req,
        ...(timestampsWithoutOffset && { timestampsWithoutOffset: true }),
      });
      return { transactionId, idTagInfo: { status: idTagStatus } };
    },
    StopTransaction: async (stationId, req, { timestampsWithoutOffset }) => {
      await stations.stopTransaction(stationId, {
        transactionId: req.transactionId,
        meterStop: req.meterStop,
        timestamp: req.timestamp,
        ...(req.reason !== undefined && { reason: req.reason }),
        ...(req.idTag !== undefined && { idTag: req.idTag }),
        ...(req.transactionData !== undefined && { readings: req.transactionData }),
        ...(timestampsWithoutOffset && { timestampsWithoutOffset: true }),
      });
      // idTagInfo is optional; the card reader, not the id tag, decides who pays.
      return {};
    },
    MeterValues: async (stationId, req) => {
      await stations.meterValues(stationId, {
        connectorId: req.connectorId,
        ...(req.transactionId !== undefined && { transactionId: req.transactionId }),
        readings: req.meterValue,
      });
      return {};
    },
    // No vendor extensions are defined by this CSMS (OCPP 1.6 section 4.3).
    DataTransfer: async () => ({ status: 'UnknownVendorId' }),
    FirmwareStatusNotification: async (stationId, req) => {
      await stations.firmwareStatus(stationId, req.status);
      return {};
    },
    DiagnosticsStatusNotification: async (stationId, req) => {
      await stations.diagnosticsStatus(stationId, req.status);
      return {};
    },
  };
}
