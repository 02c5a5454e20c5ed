/**
 * What an operator asks of a charger, with an example payload each. The first four reach a charger
 * of either version (the CSMS words them in 2.0.1's terms for a 2.0.1 charger); the others are one
 * version's own, and the other version's charger answers 400 NotSupportedByStation.
 */
export const COMMAND_GROUPS: readonly { readonly label: string; readonly commands: Record<string, object> }[] = [
  {
    label: 'Either version',
    commands: {
      TriggerMessage: { requestedMessage: 'StatusNotification', connectorId: 1 },
      Reset: { type: 'Soft' },
      ChangeAvailability: { connectorId: 1, type: 'Operative' },
      UnlockConnector: { connectorId: 1 },
    },
  },
  {
    label: 'OCPP 1.6J',
    commands: { GetConfiguration: {}, ChangeConfiguration: { key: 'HeartbeatInterval', value: '300' } },
  },
  {
    label: 'OCPP 2.0.1',
    commands: {
      GetVariables: { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] },
      SetVariables: { setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '300' }] },
      GetBaseReport: { requestId: 1, reportBase: 'SummaryInventory' },
      GetTransactionStatus: {},
      SetDisplayMessage: { message: { id: 1, priority: 'NormalCycle', message: { format: 'UTF8', content: 'Pay by card at the kiosk' } } },
      ClearDisplayMessage: { id: 1 },
    },
  },
];
