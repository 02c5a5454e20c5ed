/** Each OCPP version we speak (lambdas/shared/subprotocols.ts) with its adapter. */
import { isSupportedSubprotocol, type SupportedSubprotocol } from '../shared/subprotocols';
import { ocpp16 } from './v16/adapter';
import { ocpp201 } from './v201/adapter';

export { ocpp16, createOcpp16Adapter, type Ocpp16Adapter } from './v16/adapter';
export { ocpp201, createOcpp201Adapter, type Ocpp201Adapter } from './v201/adapter';
export { SUPPORTED_SUBPROTOCOLS, chooseSubprotocol, isSupportedSubprotocol, type SupportedSubprotocol } from '../shared/subprotocols';

export const adapters = { 'ocpp1.6': ocpp16, 'ocpp2.0.1': ocpp201 } as const satisfies { [P in SupportedSubprotocol]: { readonly subprotocol: P } };

export type SupportedAdapter = (typeof adapters)[SupportedSubprotocol];

export function adapterFor(subprotocol: string): SupportedAdapter | undefined {
  return isSupportedSubprotocol(subprotocol) ? adapters[subprotocol] : undefined;
}
