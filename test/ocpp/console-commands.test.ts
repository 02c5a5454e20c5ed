/**
 * The console's example payloads for operators' station calls are ones the CSMS sends: each is
 * valid for the OCPP versions its group names (a bad example would greet the operator with a 400).
 */
import { describe, expect, it } from 'vitest';
import { COMMAND_GROUPS } from '../../console/src/station-commands';
import { csmsToCharger as v16 } from '../../lambdas/ocpp/v16/schemas';
import { csmsToCharger as v201 } from '../../lambdas/ocpp/v201/schemas';

const versions: Record<string, readonly Record<string, { request: { safeParse(value: unknown): { success: boolean } } }>[]> = {
  'Either version': [v16],
  'OCPP 1.6J': [v16],
  'OCPP 2.0.1': [v201],
};

describe('the console station commands', () => {
  for (const group of COMMAND_GROUPS) {
    for (const [action, payload] of Object.entries(group.commands)) {
      it(`${group.label}: ${action}'s example is a valid request`, () => {
        for (const schemas of versions[group.label]!) {
          const schema = schemas[action];
          expect(schema, `${action} has a schema`).toBeDefined();
          expect(schema!.request.safeParse(payload).success).toBe(true);
        }
      });
    }
  }
  it('offers every 2.0.1 call the CSMS sends an operator', () => {
    const offered = COMMAND_GROUPS.flatMap((group) => Object.keys(group.commands));
    for (const action of ['GetVariables', 'SetVariables', 'GetBaseReport', 'GetTransactionStatus', 'SetDisplayMessage', 'ClearDisplayMessage']) expect(offered).toContain(action);
  });
});
