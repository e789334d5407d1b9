/**
 * A port that is already taken becomes one sentence naming the flag that changes it, instead of a stack
 * from the network layer. Only maps errors; listening is the capabilities'.
 */
import { WarpdeskError } from '../shared/errors';

export function isAddressInUse(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return !!e && (e.code === 'EADDRINUSE' || (typeof e.message === 'string' && /EADDRINUSE|address already in use/i.test(e.message)));
}

export function portInUse(port: number, flag: string, what: string): WarpdeskError {
  return new WarpdeskError('Unavailable', `Port ${port} is already in use, so the ${what} cannot listen there; choose another with ${flag} PORT (or ${flag} 0 for any free port).`, { port, flag });
}

/** Runs `listen`; an address-in-use error becomes `portInUse(port, flag, what)`. */
export async function listening<T>(listen: () => Promise<T>, port: number, flag: string, what: string): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    if (isAddressInUse(err)) throw portInUse(port, flag, what);
    throw err;
  }
}
