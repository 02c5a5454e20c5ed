/**
 * The one config loader of the Lambdas. Variables are read when first asked for, so the local
 * runtime can set the environment before any handler needs it; a missing variable fails fast.
 */
export class MissingConfigError extends Error {
  constructor(name: string) {
    super(`environment variable ${name} is not set`);
    this.name = 'MissingConfigError';
  }
}

export function getStringFromEnv(name: string, fallback?: string): string {
  const value = process.env[name];
  if (value !== undefined && value !== '') return value;
  if (fallback !== undefined) return fallback;
  throw new MissingConfigError(name);
}

export function getIntFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`environment variable ${name} must be an integer, got "${raw}"`);
  return value;
}

/** A comma-separated list of whole numbers, e.g. `250,1000,3000`. */
export function getIntListFromEnv(name: string, fallback: readonly number[]): readonly number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 0)) throw new Error(`environment variable ${name} must list whole numbers, got "${raw}"`);
  return values;
}
