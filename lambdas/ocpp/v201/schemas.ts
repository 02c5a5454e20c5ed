/**
 * OCPP 2.0.1 payloads as zod schemas, mirroring the official JSON schemas (OCPP 2.0.1 edition 2,
 * as bundled by ocpp-rpc) as lambdas/ocpp/v16/schemas.ts does for 1.6: objects strict, strings
 * with their maximum length, enums kept, integers integral, date-time with `Z` or an offset.
 * `customData` (the only object the official schemas leave open) is accepted wherever they allow it.
 * test/ocpp/v201-official-schemas.test.ts checks these accept only what the official ones accept.
 */
import * as z from 'zod';
import type { MessageSchemas } from '../v16/schemas';

const text = (maxLength: number) => z.string().max(maxLength);
const DateTime = z.iso.datetime({ offset: true });
const Integer = z.int();
const CustomData = z.looseObject({ vendorId: text(255) });
/** A strict object that may carry the official schemas' open `customData`. */
const pdu = <S extends z.core.$ZodLooseShape>(shape: S) => z.strictObject({ customData: CustomData.optional(), ...shape });

const StatusInfo = pdu({ reasonCode: text(20), additionalInfo: text(512).optional() });

export const ConnectorStatus = z.enum(['Available', 'Occupied', 'Reserved', 'Unavailable', 'Faulted']);

const BootNotification = {
  request: pdu({
    chargingStation: pdu({
      serialNumber: text(25).optional(),
      model: text(20),
      modem: pdu({ iccid: text(20).optional(), imsi: text(20).optional() }).optional(),
      vendorName: text(50),
      firmwareVersion: text(50).optional(),
    }),
    reason: z.enum([
      'ApplicationReset',
      'FirmwareUpdate',
      'LocalReset',
      'PowerUp',
      'RemoteReset',
      'ScheduledReset',
      'Triggered',
      'Unknown',
      'Watchdog',
    ]),
  }),
  response: pdu({
    currentTime: DateTime,
    interval: Integer,
    status: z.enum(['Accepted', 'Pending', 'Rejected']),
    statusInfo: StatusInfo.optional(),
  }),
};

const Heartbeat = { request: pdu({}), response: pdu({ currentTime: DateTime }) };

const StatusNotification = {
  request: pdu({ timestamp: DateTime, connectorStatus: ConnectorStatus, evseId: Integer, connectorId: Integer }),
  response: pdu({}),
};

const IdTokenType = z.enum(['Central', 'eMAID', 'ISO14443', 'ISO15693', 'KeyCode', 'Local', 'MacAddress', 'NoAuthorization']);
const IdToken = pdu({
  idToken: text(36),
  type: IdTokenType,
  additionalInfo: z.array(pdu({ additionalIdToken: text(36), type: text(50) })).min(1).optional(),
});
const MessageContent = pdu({ format: z.enum(['ASCII', 'HTML', 'URI', 'UTF8']), language: text(8).optional(), content: text(512) });

const IdTokenInfo = pdu({
  status: z.enum([
    'Accepted',
    'Blocked',
    'ConcurrentTx',
    'Expired',
    'Invalid',
    'NoCredit',
    'NotAllowedTypeEVSE',
    'NotAtThisLocation',
    'NotAtThisTime',
    'Unknown',
  ]),
  cacheExpiryDateTime: DateTime.optional(),
  chargingPriority: Integer.optional(),
  language1: text(8).optional(),
  evseId: z.array(Integer).min(1).optional(),
  groupIdToken: IdToken.optional(),
  language2: text(8).optional(),
  personalMessage: MessageContent.optional(),
});

const Authorize = {
  request: pdu({
    idToken: IdToken,
    certificate: text(5500).optional(),
    iso15118CertificateHashData: z
      .array(
        pdu({
          hashAlgorithm: z.enum(['SHA256', 'SHA384', 'SHA512']),
          issuerNameHash: text(128),
          issuerKeyHash: text(128),
          serialNumber: text(40),
          responderURL: text(512),
        }),
      )
      .min(1)
      .max(4)
      .optional(),
  }),
  response: pdu({
    idTokenInfo: IdTokenInfo,
    certificateStatus: z
      .enum(['Accepted', 'SignatureError', 'CertificateExpired', 'CertificateRevoked', 'NoCertificateAvailable', 'CertChainError', 'ContractCancelled'])
      .optional(),
  }),
};

const DataTransfer = {
  request: pdu({ messageId: text(50).optional(), data: z.unknown().optional(), vendorId: text(255) }),
  response: pdu({
    status: z.enum(['Accepted', 'Rejected', 'UnknownMessageId', 'UnknownVendorId']),
    statusInfo: StatusInfo.optional(),
    data: z.unknown().optional(),
  }),
};

const FirmwareStatusNotification = {
  request: pdu({
    status: z.enum([
      'Downloaded',
      'DownloadFailed',
      'Downloading',
      'DownloadScheduled',
      'DownloadPaused',
      'Idle',
      'InstallationFailed',
      'Installing',
      'Installed',
      'InstallRebooting',
      'InstallScheduled',
      'InstallVerificationFailed',
      'InvalidSignature',
      'SignatureVerified',
    ]),
    requestId: Integer.optional(),
  }),
  response: pdu({}),
};

const LogStatusNotification = {
  request: pdu({
    status: z.enum(['BadMessage', 'Idle', 'NotSupportedOperation', 'PermissionDenied', 'Uploaded', 'UploadFailure', 'Uploading', 'AcceptedCanceled']),
    requestId: Integer.optional(),
  }),
  response: pdu({}),
};

const SecurityEventNotification = {
  request: pdu({ type: text(50), timestamp: DateTime, techInfo: text(255).optional() }),
  response: pdu({}),
};

const RequestStartStopStatus = z.enum(['Accepted', 'Rejected']);

/** Sent without a charging profile: ours leaves `chargingProfile` out, so the schema does too. */
const RequestStartTransaction = {
  request: pdu({ evseId: Integer.optional(), groupIdToken: IdToken.optional(), idToken: IdToken, remoteStartId: Integer }),
  response: pdu({ status: RequestStartStopStatus, statusInfo: StatusInfo.optional(), transactionId: text(36).optional() }),
};

const RequestStopTransaction = {
  request: pdu({ transactionId: text(36) }),
  response: pdu({ status: RequestStartStopStatus, statusInfo: StatusInfo.optional() }),
};

const SampledValue = pdu({
  value: z.number(),
  context: z
    .enum(['Interruption.Begin', 'Interruption.End', 'Other', 'Sample.Clock', 'Sample.Periodic', 'Transaction.Begin', 'Transaction.End', 'Trigger'])
    .optional(),
  measurand: z
    .enum([
      'Current.Export', 'Current.Import', 'Current.Offered', 'Energy.Active.Export.Register', 'Energy.Active.Import.Register',
      'Energy.Reactive.Export.Register', 'Energy.Reactive.Import.Register', 'Energy.Active.Export.Interval', 'Energy.Active.Import.Interval',
      'Energy.Active.Net', 'Energy.Reactive.Export.Interval', 'Energy.Reactive.Import.Interval', 'Energy.Reactive.Net', 'Energy.Apparent.Net',
      'Energy.Apparent.Import', 'Energy.Apparent.Export', 'Frequency', 'Power.Active.Export', 'Power.Active.Import', 'Power.Factor',
      'Power.Offered', 'Power.Reactive.Export', 'Power.Reactive.Import', 'SoC', 'Voltage',
    ])
    .optional(),
  phase: z.enum(['L1', 'L2', 'L3', 'N', 'L1-N', 'L2-N', 'L3-N', 'L1-L2', 'L2-L3', 'L3-L1']).optional(),
  location: z.enum(['Body', 'Cable', 'EV', 'Inlet', 'Outlet']).optional(),
  signedMeterValue: pdu({ signedMeterData: text(2500), signingMethod: text(50), encodingMethod: text(50), publicKey: text(2500) }).optional(),
  unitOfMeasure: pdu({ unit: text(20).optional(), multiplier: Integer.optional() }).optional(),
});
export const MeterValue = pdu({ sampledValue: z.array(SampledValue).min(1), timestamp: DateTime });

export const ChargingState = z.enum(['Charging', 'EVConnected', 'SuspendedEV', 'SuspendedEVSE', 'Idle']);

const TransactionEvent = {
  request: pdu({
    eventType: z.enum(['Ended', 'Started', 'Updated']),
    meterValue: z.array(MeterValue).min(1).optional(),
    timestamp: DateTime,
    triggerReason: z.enum([
      'Authorized', 'CablePluggedIn', 'ChargingRateChanged', 'ChargingStateChanged', 'Deauthorized', 'EnergyLimitReached',
      'EVCommunicationLost', 'EVConnectTimeout', 'MeterValueClock', 'MeterValuePeriodic', 'TimeLimitReached', 'Trigger',
      'UnlockCommand', 'StopAuthorized', 'EVDeparted', 'EVDetected', 'RemoteStop', 'RemoteStart', 'AbnormalCondition',
      'SignedDataReceived', 'ResetCommand',
    ]),
    seqNo: Integer,
    offline: z.boolean().optional(),
    numberOfPhasesUsed: Integer.optional(),
    cableMaxCurrent: Integer.optional(),
    reservationId: Integer.optional(),
    transactionInfo: pdu({
      transactionId: text(36),
      chargingState: ChargingState.optional(),
      timeSpentCharging: Integer.optional(),
      stoppedReason: z
        .enum([
          'DeAuthorized', 'EmergencyStop', 'EnergyLimitReached', 'EVDisconnected', 'GroundFault', 'ImmediateReset', 'Local',
          'LocalOutOfCredit', 'MasterPass', 'Other', 'OvercurrentFault', 'PowerLoss', 'PowerQuality', 'Reboot', 'Remote',
          'SOCLimitReached', 'StoppedByEV', 'TimeLimitReached', 'Timeout',
        ])
        .optional(),
      remoteStartId: Integer.optional(),
    }),
    evse: pdu({ id: Integer, connectorId: Integer.optional() }).optional(),
    idToken: IdToken.optional(),
  }),
  response: pdu({
    totalCost: z.number().optional(),
    chargingPriority: Integer.optional(),
    idTokenInfo: IdTokenInfo.optional(),
    updatedPersonalMessage: MessageContent.optional(),
  }),
};

const EVSE = pdu({ id: Integer, connectorId: Integer.optional() });
const Component = pdu({ evse: EVSE.optional(), name: text(50), instance: text(50).optional() });
const Variable = pdu({ name: text(50), instance: text(50).optional() });
const AttributeType = z.enum(['Actual', 'Target', 'MinSet', 'MaxSet']);
/** The answer of most CSMS calls: a status of the call's own, and why. */
const statusReply = <E extends readonly [string, ...string[]]>(statuses: E) => pdu({ status: z.enum(statuses), statusInfo: StatusInfo.optional() });

const MeterValues = { request: pdu({ evseId: Integer, meterValue: z.array(MeterValue).min(1) }), response: pdu({}) };

const NotifyEvent = {
  request: pdu({
    generatedAt: DateTime,
    tbc: z.boolean().optional(),
    seqNo: Integer,
    eventData: z
      .array(
        pdu({
          eventId: Integer,
          timestamp: DateTime,
          trigger: z.enum(['Alerting', 'Delta', 'Periodic']),
          cause: Integer.optional(),
          actualValue: text(2500),
          techCode: text(50).optional(),
          techInfo: text(500).optional(),
          cleared: z.boolean().optional(),
          transactionId: text(36).optional(),
          component: Component,
          variableMonitoringId: Integer.optional(),
          eventNotificationType: z.enum(['HardWiredNotification', 'HardWiredMonitor', 'PreconfiguredMonitor', 'CustomMonitor']),
          variable: Variable,
        }),
      )
      .min(1),
  }),
  response: pdu({}),
};

export const ReportData = pdu({
  component: Component,
  variable: Variable,
  variableAttribute: z
    .array(
      pdu({
        type: AttributeType.optional(),
        value: text(2500).optional(),
        mutability: z.enum(['ReadOnly', 'WriteOnly', 'ReadWrite']).optional(),
        persistent: z.boolean().optional(),
        constant: z.boolean().optional(),
      }),
    )
    .min(1)
    .max(4),
  variableCharacteristics: pdu({
    unit: text(16).optional(),
    dataType: z.enum(['string', 'decimal', 'integer', 'dateTime', 'boolean', 'OptionList', 'SequenceList', 'MemberList']),
    minLimit: z.number().optional(),
    maxLimit: z.number().optional(),
    valuesList: text(1000).optional(),
    supportsMonitoring: z.boolean(),
  }).optional(),
});

const NotifyReport = {
  request: pdu({ requestId: Integer, generatedAt: DateTime, reportData: z.array(ReportData).min(1).optional(), tbc: z.boolean().optional(), seqNo: Integer }),
  response: pdu({}),
};

const Reset = {
  request: pdu({ type: z.enum(['Immediate', 'OnIdle']), evseId: Integer.optional() }),
  response: statusReply(['Accepted', 'Rejected', 'Scheduled']),
};

const ChangeAvailability = {
  request: pdu({ evse: EVSE.optional(), operationalStatus: z.enum(['Inoperative', 'Operative']) }),
  response: statusReply(['Accepted', 'Rejected', 'Scheduled']),
};

const UnlockConnector = {
  request: pdu({ evseId: Integer, connectorId: Integer }),
  response: statusReply(['Unlocked', 'UnlockFailed', 'OngoingAuthorizedTransaction', 'UnknownConnector']),
};

export const MessageTrigger = z.enum([
  'BootNotification', 'LogStatusNotification', 'FirmwareStatusNotification', 'Heartbeat', 'MeterValues', 'SignChargingStationCertificate',
  'SignV2GCertificate', 'StatusNotification', 'TransactionEvent', 'SignCombinedCertificate', 'PublishFirmwareStatusNotification',
]);
const TriggerMessage = {
  request: pdu({ evse: EVSE.optional(), requestedMessage: MessageTrigger }),
  response: statusReply(['Accepted', 'Rejected', 'NotImplemented']),
};

const GetVariables = {
  request: pdu({ getVariableData: z.array(pdu({ attributeType: AttributeType.optional(), component: Component, variable: Variable })).min(1) }),
  response: pdu({
    getVariableResult: z
      .array(
        pdu({
          attributeStatusInfo: StatusInfo.optional(),
          attributeStatus: z.enum(['Accepted', 'Rejected', 'UnknownComponent', 'UnknownVariable', 'NotSupportedAttributeType']),
          attributeType: AttributeType.optional(),
          attributeValue: text(2500).optional(),
          component: Component,
          variable: Variable,
        }),
      )
      .min(1),
  }),
};

const SetVariables = {
  request: pdu({
    setVariableData: z.array(pdu({ attributeType: AttributeType.optional(), attributeValue: text(1000), component: Component, variable: Variable })).min(1),
  }),
  response: pdu({
    setVariableResult: z
      .array(
        pdu({
          attributeType: AttributeType.optional(),
          attributeStatus: z.enum(['Accepted', 'Rejected', 'UnknownComponent', 'UnknownVariable', 'NotSupportedAttributeType', 'RebootRequired']),
          attributeStatusInfo: StatusInfo.optional(),
          component: Component,
          variable: Variable,
        }),
      )
      .min(1),
  }),
};

const GetBaseReport = {
  request: pdu({ requestId: Integer, reportBase: z.enum(['ConfigurationInventory', 'FullInventory', 'SummaryInventory']) }),
  response: statusReply(['Accepted', 'Rejected', 'NotSupported', 'EmptyResultSet']),
};

const GetTransactionStatus = {
  request: pdu({ transactionId: text(36).optional() }),
  response: pdu({ ongoingIndicator: z.boolean().optional(), messagesInQueue: z.boolean() }),
};

const SetDisplayMessage = {
  request: pdu({
    message: pdu({
      display: Component.optional(),
      id: Integer,
      priority: z.enum(['AlwaysFront', 'InFront', 'NormalCycle']),
      state: z.enum(['Charging', 'Faulted', 'Idle', 'Unavailable']).optional(),
      startDateTime: DateTime.optional(),
      endDateTime: DateTime.optional(),
      transactionId: text(36).optional(),
      message: MessageContent,
    }),
  }),
  response: statusReply(['Accepted', 'NotSupportedMessageFormat', 'Rejected', 'NotSupportedPriority', 'NotSupportedState', 'UnknownTransaction']),
};

const ClearDisplayMessage = { request: pdu({ id: Integer }), response: statusReply(['Accepted', 'Unknown']) };

const CostUpdated = { request: pdu({ totalCost: z.number(), transactionId: text(36) }), response: pdu({}) };

export const chargerToCsms = {
  Authorize,
  BootNotification,
  DataTransfer,
  FirmwareStatusNotification,
  Heartbeat,
  LogStatusNotification,
  MeterValues,
  NotifyEvent,
  NotifyReport,
  SecurityEventNotification,
  StatusNotification,
  TransactionEvent,
} as const satisfies Record<string, MessageSchemas>;
export const csmsToCharger = {
  ChangeAvailability,
  ClearDisplayMessage,
  CostUpdated,
  GetBaseReport,
  GetTransactionStatus,
  GetVariables,
  RequestStartTransaction,
  RequestStopTransaction,
  Reset,
  SetDisplayMessage,
  SetVariables,
  TriggerMessage,
  UnlockConnector,
} as const satisfies Record<string, MessageSchemas>;

type Messages<R extends Record<string, MessageSchemas>> = {
  [A in keyof R]: { request: z.infer<R[A]['request']>; response: z.infer<R[A]['response']> };
};
export type ChargerToCsmsMessages = Messages<typeof chargerToCsms>;
export type CsmsToChargerMessages = Messages<typeof csmsToCharger>;
export type ChargerToCsmsAction = keyof ChargerToCsmsMessages & string;

/** Every action OCPP 2.0.1 defines: one we do not handle is NotSupported, anything else NotImplemented. */
export const OCPP201_ACTIONS: ReadonlySet<string> = new Set([
  'Authorize', 'BootNotification', 'CancelReservation', 'CertificateSigned', 'ChangeAvailability', 'ClearCache',
  'ClearChargingProfile', 'ClearDisplayMessage', 'ClearedChargingLimit', 'ClearVariableMonitoring', 'CostUpdated',
  'CustomerInformation', 'DataTransfer', 'DeleteCertificate', 'FirmwareStatusNotification', 'Get15118EVCertificate',
  'GetBaseReport', 'GetCertificateStatus', 'GetChargingProfiles', 'GetCompositeSchedule', 'GetDisplayMessages',
  'GetInstalledCertificateIds', 'GetLocalListVersion', 'GetLog', 'GetMonitoringReport', 'GetReport',
  'GetTransactionStatus', 'GetVariables', 'Heartbeat', 'InstallCertificate', 'LogStatusNotification', 'MeterValues',
  'NotifyChargingLimit', 'NotifyCustomerInformation', 'NotifyDisplayMessages', 'NotifyEVChargingNeeds',
  'NotifyEVChargingSchedule', 'NotifyEvent', 'NotifyMonitoringReport', 'NotifyReport', 'PublishFirmware',
  'PublishFirmwareStatusNotification', 'ReportChargingProfiles', 'RequestStartTransaction', 'RequestStopTransaction',
  'ReservationStatusUpdate', 'ReserveNow', 'Reset', 'SecurityEventNotification', 'SendLocalList', 'SetChargingProfile',
  'SetDisplayMessage', 'SetMonitoringBase', 'SetMonitoringLevel', 'SetNetworkProfile', 'SetVariableMonitoring',
  'SetVariables', 'SignCertificate', 'StatusNotification', 'TransactionEvent', 'TriggerMessage', 'UnlockConnector',
  'UnpublishFirmware', 'UpdateFirmware',
]);
