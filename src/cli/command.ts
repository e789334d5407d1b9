/**
 * The shape of a `warpdesk` command. Each command lives in `src/cli/commands/<name>.ts` and is listed once
 * in `src/cli/commands/index.ts`. `run` returns the exit code: 0 success, 1 failure (2 is reserved for
 * usage errors, raised as UsageError).
 */
import type { FlagSpec, ParsedArgs } from './args';

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: show progress bars only then. */
  interactive: boolean;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
  run(args: ParsedArgs, io: CliIO): Promise<number>;
}
