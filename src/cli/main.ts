/**
 * Entry of the headless `warpdesk` command: dispatches to a command, maps errors to exit codes
 * (0 ok, 1 failure, 2 usage) and prints errors as one clear sentence. Same core code as the app.
 */
import { COMMON_FLAGS, parseArgs, UsageError } from './args';
import type { CliIO, Command } from './command';
import { COMMANDS } from './commands';
import { WarpdeskError } from '../shared/errors';

function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: warpdesk <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `warpdesk <command> --help` for its options.',
  ].join('\n');
}

function commandHelp(cmd: Command): string {
  const flags = { ...cmd.flags, ...COMMON_FLAGS };
  const width = Math.max(...Object.keys(flags).map((f) => f.length));
  return [`Usage: ${cmd.usage}`, '', cmd.summary, '', 'Options:', ...Object.entries(flags).map(([n, s]) => `  --${n.padEnd(width)}  ${s.description}`)].join('\n');
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === 'help' || name === '-h') {
    io.stdout(helpText() + '\n');
    return name ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.stderr(`warpdesk: unknown command "${name}". Run \`warpdesk --help\` for the list.\n`);
    return 2;
  }
  try {
    const args = parseArgs(rest, { ...cmd.flags, ...COMMON_FLAGS });
    if (args.flags['help']) {
      io.stdout(commandHelp(cmd) + '\n');
      return 0;
    }
    return await cmd.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`warpdesk ${cmd.name}: ${err.message}\n${cmd.usage}\n`);
      return 2;
    }
    if (err instanceof WarpdeskError) {
      io.stderr(`warpdesk ${cmd.name}: ${err.message}\n`);
      return 1;
    }
    io.stderr(`warpdesk ${cmd.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** Runs the CLI with this process's arguments and streams, setting the exit code. */
export function runFromProcess(): void {
  const io: CliIO = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    interactive: Boolean(process.stderr.isTTY),
  };
  runCli(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`warpdesk: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) runFromProcess();
