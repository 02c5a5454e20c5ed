/** Named outcomes of the use cases (installer, readers, callbacks), mapped to HTTP codes at the edge by http/api.ts. */
export class NotFoundError extends Error {
  override readonly name = 'NotFound';
}

export class ConflictError extends Error {
  override readonly name = 'Conflict';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export class BadReferenceError extends Error {
  override readonly name = 'BadReference';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Payter did not do what we asked; the caller may try again. */
export class PayterUnavailableError extends Error {
  override readonly name = 'PayterUnavailable';
}
