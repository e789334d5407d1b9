/**
 * Typed errors shared by every layer. An error is created at the boundary that detects it, carries a
 * stable code, and crosses IPC / WebSocket / CLI as `{ code, message, details }`. The renderer and CLI
 * show `message`, which is always a complete sentence a user can act on.
 * Must never import Node or Electron.
 */

export const ERROR_CODES = [
  'InvalidInput',
  'InvalidDimensions',
  'NonFinite',
  'InvalidCsv',
  'NotFound',
  'Unauthorized',
  'FrameTooLarge',
  'Cancelled',
  'TooLarge',
  'WrongKey',
  'Conflict',
  'Unavailable',
  'Internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface SerializedError {
  code: ErrorCode;
  message: string;
  details?: Record<string, string | number | boolean | null>;
}

export class WarpdeskError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, string | number | boolean | null>;

  constructor(code: ErrorCode, message: string, details?: Record<string, string | number | boolean | null>) {
    super(message);
    this.name = 'WarpdeskError';
    this.code = code;
    this.details = details;
  }

  toJSON(): SerializedError {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Turns anything thrown into a serializable typed error; unknown errors become `Internal`. */
export function toSerializedError(err: unknown): SerializedError {
  if (err instanceof WarpdeskError) return err.toJSON();
  if (err && typeof err === 'object' && 'code' in err && isErrorCode((err as { code: unknown }).code)) {
    const e = err as { code: ErrorCode; message?: unknown };
    return { code: e.code, message: typeof e.message === 'string' ? e.message : String(e.code) };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'Internal', message: `Something went wrong inside Warpdesk: ${message}` };
}

export function fromSerializedError(e: SerializedError): WarpdeskError {
  return new WarpdeskError(e.code, e.message, e.details);
}
