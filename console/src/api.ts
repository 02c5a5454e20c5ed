/**
 * The console's one way to the installer and ops APIs: the same routes, bodies and bearer
 * tokens a script uses. The token is kept in sessionStorage alone (gone with the tab), never in
 * localStorage nor in a URL.
 */
const TOKEN_KEY = 'console.token';
const ROLE_KEY = 'console.role';

export type Role = 'installer' | 'operator';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** An answer other than 2xx: its status, the API's message and the fields it names. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: readonly FieldError[] = [],
  ) {
    super(message);
  }

  /** The message for one field (`tariff.energyPerKwh`), if the API named it. */
  at(field: string): string | undefined {
    return this.details.filter((detail) => detail.field === field).map((detail) => detail.message).join('; ') || undefined;
  }
}

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  role: (): Role | null => sessionStorage.getItem(ROLE_KEY) as Role | null,
  save(token: string, role: Role): void {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(ROLE_KEY, role);
  },
  clear(): void {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(ROLE_KEY);
  },
};

export async function api<T = any>(
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; token?: string } = {},
): Promise<T> {
  const token = options.token ?? session.token() ?? '';
  const response = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...(options.body !== undefined && { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let answer: any = null;
  try {
    answer = text ? JSON.parse(text) : null;
  } catch {
    answer = { message: text };
  }
  if (!response.ok) {
    const message =
      response.status === 403
        ? 'Your role may not do this (403 Forbidden).'
        : response.status === 401
          ? 'The token was not accepted (401): sign in again.'
          : answer?.error === 'CallError'
            ? `The charger answered with an error: ${answer.code}${answer.description ? ` (${answer.description})` : ''}.`
            : (answer?.message ?? `${response.status} ${response.statusText}`);
    throw new ApiError(response.status, message, Array.isArray(answer?.details) ? answer.details : []);
  }
  return answer as T;
}

/**
 * Which role a token signs in: the ops API answers an operator, refuses an installer with 403
 * and an unknown token with 401.
 */
export async function roleOf(token: string): Promise<Role> {
  try {
    await api('GET', '/ops/sessions?limit=1', { token });
    return 'operator';
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return 'installer';
    throw error;
  }
}

/** A fresh Idempotency-Key: one per refund form, so a second click repeats the same refund. */
export function idempotencyKey(): string {
  return `console-${crypto.randomUUID()}`;
}
