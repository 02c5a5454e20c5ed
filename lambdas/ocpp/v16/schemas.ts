/**
 * OCPP 1.6 payloads as zod schemas, mirroring the official JSON schemas (OCPP 1.6 edition 2,
 * as bundled by ocpp-rpc): every object is strict (the official schemas say
 * `additionalProperties: false`), strings carry their CiStringNN maximum length, enums and
 * integer-vs-decimal are kept, and dateTime is ISO 8601 with a mandatory `Z` or offset.
 * Nothing coerces: "5" is not 5.
 *
 * Where the OCPP 1.6 specification's field tables (part 2, chapter 6/7) constrain a field
 * that the JSON schema leaves open, the schema follows the specification and says so with
 * `spec:` - connector ids, a charging profile's stackLevel, and the "1..*" cardinality of
 * meterValue, sampledValue and chargingSchedulePeriod. Everything accepted here is accepted
 * by the official schema too (test/ocpp checks that against ocpp-rpc's validator).
 */
import * as z from 'zod';

const ciString = (maxLength: number) => z.string().max(maxLength);
const CiString20 = ciString(20);
const CiString25 = ciString(25);
const CiString50 = ciString(50);
const CiString255 = ciString(255);
const CiString500 = ciString(500);
const IdToken = CiString20;
const DateTime = z.iso.datetime({ offset: true });
const Integer = z.int();
/** spec: "connectorId >= 0", where 0 means the charge point as a whole. */
const ConnectorIdOrZero = Integer.min(0);
/** spec: "connectorId > 0", a physical connector. */
const ConnectorId = Integer.min(1);
/** The official schema's `"type": "number", "multipleOf": 0.1`. */
const Decimal1 = z.number().multipleOf(0.1);

const EmptyPayload = z.strictObject({});

// Enumerations (OCPP 1.6 chapter 7)

export const AuthorizationStatus = z.enum(['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx']);
export const RegistrationStatus = z.enum(['Accepted', 'Pending', 'Rejected']);
export const DataTransferStatus = z.enum(['Accepted', 'Rejected', 'UnknownMessageId', 'UnknownVendorId']);
export const DiagnosticsStatus = z.enum(['Idle', 'Uploaded', 'UploadFailed', 'Uploading']);
export const FirmwareStatus = z.enum([
  'Downloaded',
  'DownloadFailed',
  'Downloading',
  'Idle',
  'InstallationFailed',
  'Installing',
  'Installed',
]);
export const ReadingContext = z.enum([
  'Interruption.Begin',
  'Interruption.End',
  'Sample.Clock',
  'Sample.Periodic',
  'Transaction.Begin',
  'Transaction.End',
  'Trigger',
  'Other',
]);
export const ValueFormat = z.enum(['Raw', 'SignedData']);
export const Measurand = z.enum([
  'Energy.Active.Export.Register',
  'Energy.Active.Import.Register',
  'Energy.Reactive.Export.Register',
  'Energy.Reactive.Import.Register',
  'Energy.Active.Export.Interval',
  'Energy.Active.Import.Interval',
  'Energy.Reactive.Export.Interval',
  'Energy.Reactive.Import.Interval',
  'Power.Active.Export',
  'Power.Active.Import',
  'Power.Offered',
  'Power.Reactive.Export',
  'Power.Reactive.Import',
  'Power.Factor',
  'Current.Import',
  'Current.Export',
  'Current.Offered',
  'Voltage',
  'Frequency',
  'Temperature',
  'SoC',
  'RPM',
]);
export const Phase = z.enum(['L1', 'L2', 'L3', 'N', 'L1-N', 'L2-N', 'L3-N', 'L1-L2', 'L2-L3', 'L3-L1']);
export const Location = z.enum(['Cable', 'EV', 'Inlet', 'Outlet', 'Body']);
/** "Celcius" is the official schema's misspelling, kept beside the correct one as it does. */
export const UnitOfMeasure = z.enum([
  'Wh',
  'kWh',
  'varh',
  'kvarh',
  'W',
  'kW',
  'VA',
  'kVA',
  'var',
  'kvar',
  'A',
  'V',
  'K',
  'Celcius',
  'Celsius',
  'Fahrenheit',
  'Percent',
]);
export const ChargePointErrorCode = z.enum([
  'ConnectorLockFailure',
  'EVCommunicationError',
  'GroundFailure',
  'HighTemperature',
  'InternalError',
  'LocalListConflict',
  'NoError',
  'OtherError',
  'OverCurrentFailure',
  'PowerMeterFailure',
  'PowerSwitchFailure',
  'ReaderFailure',
  'ResetFailure',
  'UnderVoltage',
  'OverVoltage',
  'WeakSignal',
]);
export const ChargePointStatus = z.enum([
  'Available',
  'Preparing',
  'Charging',
  'SuspendedEVSE',
  'SuspendedEV',
  'Finishing',
  'Reserved',
  'Unavailable',
  'Faulted',
]);
export const StopReason = z.enum([
  'EmergencyStop',
  'EVDisconnected',
  'HardReset',
  'Local',
  'Other',
  'PowerLoss',
  'Reboot',
  'Remote',
  'SoftReset',
  'UnlockCommand',
  'DeAuthorized',
]);
export const ChargingProfilePurpose = z.enum(['ChargePointMaxProfile', 'TxDefaultProfile', 'TxProfile']);
export const ChargingProfileKind = z.enum(['Absolute', 'Recurring', 'Relative']);
export const RecurrencyKind = z.enum(['Daily', 'Weekly']);
export const ChargingRateUnit = z.enum(['A', 'W']);
export const RemoteStartStopStatus = z.enum(['Accepted', 'Rejected']);
export const AvailabilityType = z.enum(['Inoperative', 'Operative']);
export const AvailabilityStatus = z.enum(['Accepted', 'Rejected', 'Scheduled']);
export const ResetType = z.enum(['Hard', 'Soft']);
export const ResetStatus = z.enum(['Accepted', 'Rejected']);
export const UnlockStatus = z.enum(['Unlocked', 'UnlockFailed', 'NotSupported']);
export const MessageTrigger = z.enum([
  'BootNotification',
  'DiagnosticsStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'MeterValues',
  'StatusNotification',
]);
export const TriggerMessageStatus = z.enum(['Accepted', 'Rejected', 'NotImplemented']);
export const ConfigurationStatus = z.enum(['Accepted', 'Rejected', 'RebootRequired', 'NotSupported']);

// Composite types

export const IdTagInfo = z.strictObject({
  expiryDate: DateTime.optional(),
  parentIdTag: IdToken.optional(),
  status: AuthorizationStatus,
});

export const SampledValue = z.strictObject({
  value: z.string(),
  context: ReadingContext.optional(),
  format: ValueFormat.optional(),
  measurand: Measurand.optional(),
  phase: Phase.optional(),
  location: Location.optional(),
  unit: UnitOfMeasure.optional(),
});

export const MeterValue = z.strictObject({
  timestamp: DateTime,
  sampledValue: z.array(SampledValue).min(1), // spec: sampledValue 1..*
});

export const ChargingSchedulePeriod = z.strictObject({
  startPeriod: Integer,
  limit: Decimal1,
  numberPhases: Integer.optional(),
});

export const ChargingSchedule = z.strictObject({
  duration: Integer.optional(),
  startSchedule: DateTime.optional(),
  chargingRateUnit: ChargingRateUnit,
  chargingSchedulePeriod: z.array(ChargingSchedulePeriod).min(1), // spec: 1..*
  minChargingRate: Decimal1.optional(),
});

export const ChargingProfile = z.strictObject({
  chargingProfileId: Integer,
  transactionId: Integer.optional(),
  stackLevel: Integer.min(0), // spec: stackLevel >= 0
  chargingProfilePurpose: ChargingProfilePurpose,
  chargingProfileKind: ChargingProfileKind,
  recurrencyKind: RecurrencyKind.optional(),
  validFrom: DateTime.optional(),
  validTo: DateTime.optional(),
  chargingSchedule: ChargingSchedule,
});

export const KeyValue = z.strictObject({
  key: CiString50,
  readonly: z.boolean(),
  value: CiString500.optional(),
});

// Messages initiated by the charge point

const Authorize = {
  request: z.strictObject({ idTag: IdToken }),
  response: z.strictObject({ idTagInfo: IdTagInfo }),
};

const BootNotification = {
  request: z.strictObject({
    chargePointVendor: CiString20,
    chargePointModel: CiString20,
    chargePointSerialNumber: CiString25.optional(),
    chargeBoxSerialNumber: CiString25.optional(),
    firmwareVersion: CiString50.optional(),
    iccid: CiString20.optional(),
    imsi: CiString20.optional(),
    meterType: CiString25.optional(),
    meterSerialNumber: CiString25.optional(),
  }),
  response: z.strictObject({
    status: RegistrationStatus,
    currentTime: DateTime,
    interval: Integer,
  }),
};

/** The same in both directions. */
const DataTransfer = {
  request: z.strictObject({
    vendorId: CiString255,
    messageId: CiString50.optional(),
    data: z.string().optional(),
  }),
  response: z.strictObject({
    status: DataTransferStatus,
    data: z.string().optional(),
  }),
};

const DiagnosticsStatusNotification = {
  request: z.strictObject({ status: DiagnosticsStatus }),
  response: EmptyPayload,
};

const FirmwareStatusNotification = {
  request: z.strictObject({ status: FirmwareStatus }),
  response: EmptyPayload,
};

const Heartbeat = {
  request: EmptyPayload,
  response: z.strictObject({ currentTime: DateTime }),
};

const MeterValues = {
  request: z.strictObject({
    connectorId: ConnectorIdOrZero,
    transactionId: Integer.optional(),
    meterValue: z.array(MeterValue).min(1), // spec: meterValue 1..*
  }),
  response: EmptyPayload,
};

const StartTransaction = {
  request: z.strictObject({
    connectorId: ConnectorId,
    idTag: IdToken,
    meterStart: Integer,
    reservationId: Integer.optional(),
    timestamp: DateTime,
  }),
  response: z.strictObject({
    idTagInfo: IdTagInfo,
    transactionId: Integer,
  }),
};

const StatusNotification = {
  request: z.strictObject({
    connectorId: ConnectorIdOrZero,
    errorCode: ChargePointErrorCode,
    info: CiString50.optional(),
    status: ChargePointStatus,
    timestamp: DateTime.optional(),
    vendorId: CiString255.optional(),
    vendorErrorCode: CiString50.optional(),
  }),
  response: EmptyPayload,
};

const StopTransaction = {
  request: z.strictObject({
    idTag: IdToken.optional(),
    meterStop: Integer,
    timestamp: DateTime,
    transactionId: Integer,
    reason: StopReason.optional(),
    transactionData: z.array(MeterValue).optional(),
  }),
  response: z.strictObject({ idTagInfo: IdTagInfo.optional() }),
};

// Messages initiated by the central system

const RemoteStartTransaction = {
  request: z.strictObject({
    connectorId: ConnectorId.optional(),
    idTag: IdToken,
    chargingProfile: ChargingProfile.optional(),
  }),
  response: z.strictObject({ status: RemoteStartStopStatus }),
};

const RemoteStopTransaction = {
  request: z.strictObject({ transactionId: Integer }),
  response: z.strictObject({ status: RemoteStartStopStatus }),
};

const ChangeAvailability = {
  request: z.strictObject({ connectorId: ConnectorIdOrZero, type: AvailabilityType }),
  response: z.strictObject({ status: AvailabilityStatus }),
};

const Reset = {
  request: z.strictObject({ type: ResetType }),
  response: z.strictObject({ status: ResetStatus }),
};

const UnlockConnector = {
  request: z.strictObject({ connectorId: ConnectorId }),
  response: z.strictObject({ status: UnlockStatus }),
};

const TriggerMessage = {
  request: z.strictObject({
    requestedMessage: MessageTrigger,
    connectorId: ConnectorId.optional(),
  }),
  response: z.strictObject({ status: TriggerMessageStatus }),
};

const GetConfiguration = {
  request: z.strictObject({ key: z.array(CiString50).optional() }),
  response: z.strictObject({
    configurationKey: z.array(KeyValue).optional(),
    unknownKey: z.array(CiString50).optional(),
  }),
};

const ChangeConfiguration = {
  request: z.strictObject({ key: CiString50, value: CiString500 }),
  response: z.strictObject({ status: ConfigurationStatus }),
};

export type MessageSchemas = { readonly request: z.ZodType; readonly response: z.ZodType };

/** `request` is what the caller sends, `response` the CALLRESULT payload that answers it. */
export const chargerToCsms = {
  Authorize,
  BootNotification,
  DataTransfer,
  DiagnosticsStatusNotification,
  FirmwareStatusNotification,
  Heartbeat,
  MeterValues,
  StartTransaction,
  StatusNotification,
  StopTransaction,
} as const satisfies Record<string, MessageSchemas>;

export const csmsToCharger = {
  RemoteStartTransaction,
  RemoteStopTransaction,
  ChangeAvailability,
  Reset,
  UnlockConnector,
  TriggerMessage,
  GetConfiguration,
  ChangeConfiguration,
  DataTransfer,
} as const satisfies Record<string, MessageSchemas>;

export const v16 = { chargerToCsms, csmsToCharger } as const;

/**
 * Every action OCPP 1.6 defines (core and the optional profiles, plus the security
 * whitepaper's additions), including those this CSMS does not handle: receiving one of them
 * is answered NotSupported rather than NotImplemented.
 */
export const OCPP16_ACTIONS: ReadonlySet<string> = new Set([
  'Authorize',
  'BootNotification',
  'CancelReservation',
  'CertificateSigned',
  'ChangeAvailability',
  'ChangeConfiguration',
  'ClearCache',
  'ClearChargingProfile',
  'DataTransfer',
  'DeleteCertificate',
  'DiagnosticsStatusNotification',
  'ExtendedTriggerMessage',
  'FirmwareStatusNotification',
  'GetCompositeSchedule',
  'GetConfiguration',
  'GetDiagnostics',
  'GetInstalledCertificateIds',
  'GetLocalListVersion',
  'GetLog',
  'Heartbeat',
  'InstallCertificate',
  'LogStatusNotification',
  'MeterValues',
  'RemoteStartTransaction',
  'RemoteStopTransaction',
  'ReserveNow',
  'Reset',
  'SecurityEventNotification',
  'SendLocalList',
  'SetChargingProfile',
  'SignCertificate',
  'SignedFirmwareStatusNotification',
  'SignedUpdateFirmware',
  'StartTransaction',
  'StatusNotification',
  'StopTransaction',
  'TriggerMessage',
  'UnlockConnector',
  'UpdateFirmware',
]);

// Types

export type ChargerToCsmsAction = keyof typeof chargerToCsms;
export type CsmsToChargerAction = keyof typeof csmsToCharger;

/** action -> { request, response } payload types, the shape a version adapter is typed by. */
export type ChargerToCsmsMessages = {
  [A in ChargerToCsmsAction]: {
    request: z.infer<(typeof chargerToCsms)[A]['request']>;
    response: z.infer<(typeof chargerToCsms)[A]['response']>;
  };
};
export type CsmsToChargerMessages = {
  [A in CsmsToChargerAction]: {
    request: z.infer<(typeof csmsToCharger)[A]['request']>;
    response: z.infer<(typeof csmsToCharger)[A]['response']>;
  };
};

export type IdTagInfo = z.infer<typeof IdTagInfo>;
export type SampledValue = z.infer<typeof SampledValue>;
export type MeterValue = z.infer<typeof MeterValue>;
export type ChargingSchedulePeriod = z.infer<typeof ChargingSchedulePeriod>;
export type ChargingSchedule = z.infer<typeof ChargingSchedule>;
export type ChargingProfile = z.infer<typeof ChargingProfile>;
export type KeyValue = z.infer<typeof KeyValue>;
export type AuthorizationStatus = z.infer<typeof AuthorizationStatus>;
export type ChargePointStatus = z.infer<typeof ChargePointStatus>;
export type ChargePointErrorCode = z.infer<typeof ChargePointErrorCode>;
export type Measurand = z.infer<typeof Measurand>;
export type StopReason = z.infer<typeof StopReason>;

export type AuthorizeRequest = ChargerToCsmsMessages['Authorize']['request'];
export type AuthorizeResponse = ChargerToCsmsMessages['Authorize']['response'];
export type BootNotificationRequest = ChargerToCsmsMessages['BootNotification']['request'];
export type BootNotificationResponse = ChargerToCsmsMessages['BootNotification']['response'];
export type DataTransferRequest = ChargerToCsmsMessages['DataTransfer']['request'];
export type DataTransferResponse = ChargerToCsmsMessages['DataTransfer']['response'];
export type DiagnosticsStatusNotificationRequest = ChargerToCsmsMessages['DiagnosticsStatusNotification']['request'];
export type DiagnosticsStatusNotificationResponse = ChargerToCsmsMessages['DiagnosticsStatusNotification']['response'];
export type FirmwareStatusNotificationRequest = ChargerToCsmsMessages['FirmwareStatusNotification']['request'];
export type FirmwareStatusNotificationResponse = ChargerToCsmsMessages['FirmwareStatusNotification']['response'];
export type HeartbeatRequest = ChargerToCsmsMessages['Heartbeat']['request'];
export type HeartbeatResponse = ChargerToCsmsMessages['Heartbeat']['response'];
export type MeterValuesRequest = ChargerToCsmsMessages['MeterValues']['request'];
export type MeterValuesResponse = ChargerToCsmsMessages['MeterValues']['response'];
export type StartTransactionRequest = ChargerToCsmsMessages['StartTransaction']['request'];
export type StartTransactionResponse = ChargerToCsmsMessages['StartTransaction']['response'];
export type StatusNotificationRequest = ChargerToCsmsMessages['StatusNotification']['request'];
export type StatusNotificationResponse = ChargerToCsmsMessages['StatusNotification']['response'];
export type StopTransactionRequest = ChargerToCsmsMessages['StopTransaction']['request'];
export type StopTransactionResponse = ChargerToCsmsMessages['StopTransaction']['response'];

export type RemoteStartTransactionRequest = CsmsToChargerMessages['RemoteStartTransaction']['request'];
export type RemoteStartTransactionResponse = CsmsToChargerMessages['RemoteStartTransaction']['response'];
export type RemoteStopTransactionRequest = CsmsToChargerMessages['RemoteStopTransaction']['request'];
export type RemoteStopTransactionResponse = CsmsToChargerMessages['RemoteStopTransaction']['response'];
export type ChangeAvailabilityRequest = CsmsToChargerMessages['ChangeAvailability']['request'];
export type ChangeAvailabilityResponse = CsmsToChargerMessages['ChangeAvailability']['response'];
export type ResetRequest = CsmsToChargerMessages['Reset']['request'];
export type ResetResponse = CsmsToChargerMessages['Reset']['response'];
export type UnlockConnectorRequest = CsmsToChargerMessages['UnlockConnector']['request'];
export type UnlockConnectorResponse = CsmsToChargerMessages['UnlockConnector']['response'];
export type TriggerMessageRequest = CsmsToChargerMessages['TriggerMessage']['request'];
export type TriggerMessageResponse = CsmsToChargerMessages['TriggerMessage']['response'];
export type GetConfigurationRequest = CsmsToChargerMessages['GetConfiguration']['request'];
export type GetConfigurationResponse = CsmsToChargerMessages['GetConfiguration']['response'];
export type ChangeConfigurationRequest = CsmsToChargerMessages['ChangeConfiguration']['request'];
export type ChangeConfigurationResponse = CsmsToChargerMessages['ChangeConfiguration']['response'];
