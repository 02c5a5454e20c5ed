/** What a 2.0.1 NotifyReport says of the station's display (DisplayMessageCtrlr), read by `displayIn`. */
import { describe, expect, it } from 'vitest';
import { displayIn } from '../../lambdas/ocpp/v201/charger-actions';

const variable = (component: string, name: string, value: string | undefined, type?: 'Actual' | 'Target') => ({
  component: { name: component },
  variable: { name },
  variableAttribute: [{ ...(type && { type }), ...(value !== undefined && { value }) }],
});

describe('displayIn: whether a report says the station has a display', () => {
  it.each([
    ['nothing reported', [], undefined],
    ['another component only', [variable('OCPPCommCtrlr', 'HeartbeatInterval', '300')], undefined],
    ['Available true', [variable('DisplayMessageCtrlr', 'Available', 'true')], true],
    ['Available false', [variable('DisplayMessageCtrlr', 'Available', 'false', 'Actual')], false],
    ['Enabled false beside Available true', [variable('DisplayMessageCtrlr', 'Available', 'true'), variable('DisplayMessageCtrlr', 'Enabled', 'false')], false],
    ['a Target value only', [variable('DisplayMessageCtrlr', 'Enabled', 'false', 'Target')], undefined],
    ['an attribute without a value', [variable('DisplayMessageCtrlr', 'Available', undefined)], undefined],
    ['another variable of the controller', [variable('DisplayMessageCtrlr', 'DisplayMessages', '4')], undefined],
  ])('%s', (_case, reportData, expected) => {
    expect(displayIn(reportData)).toBe(expected);
  });
});
