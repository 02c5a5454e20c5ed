import { OcppError } from '../../lambdas/ocpp/frames';

/** The OcppError `run` throws; fails the test if it throws nothing or something else. */
export function captureOcppError(run: () => unknown): OcppError {
  try {
    run();
  } catch (error) {
    if (error instanceof OcppError) return error;
    throw error;
  }
  throw new Error('expected an OcppError');
}
