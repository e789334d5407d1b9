/**
 * Entry of the headless `warpdesk` command: dispatches to a command, maps errors to exit codes
 * (0 ok, 1 failure, 2 usage) and prints errors as one clear sentence. Same core code as the app.
 */
import fs from 'node:fs';
import path from 'node:path';
import { COMMON_FLAGS, parseArgs, stringFlag, UsageError, type ParsedArgs } from './args';
import type { CliIO, Command } from './command';
import { COMMANDS } from './commands';
import { WarpdeskError } from '../shared/errors';
import { configureLogging, LOG_LEVELS, type LogLevel } from '../main/metrics';
import { resolveDataDir } from '../main/platform/workspace';
import { appRoot } from '../main/platform/resources';

/** The version of this installation (package.json). */
export function version(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(appRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Logs: pretty on a terminal, JSON lines otherwise or with --log-format json; stderr, or a rotating --log-file; --log-level. */
function configureLogs(cmd: Command, args: ParsedArgs, io: CliIO): void {
  const format = stringFlag(args, 'log-format');
  if (format !== undefined && format !== 'json' && format !== 'pretty') throw new UsageError(`Option --log-format must be pretty or json, got "${format}".`);
  const fileFlag = args.flags['log-file'];
  let file: string | undefined;
  if (fileFlag === true) file = path.join(resolveDataDir(stringFlag(args, 'data-dir')), 'logs', `${cmd.name}.log`);
  else if (fileFlag !== undefined && fileFlag !== false) file = path.resolve(stringFlag(args, 'log-file')!);
  const level = stringFlag(args, 'log-level');
  if (level !== undefined && !(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`Option --log-level must be one of ${LOG_LEVELS.join(', ')}, got "${level}".`);
  configureLogging({ format: (format as 'json' | 'pretty' | undefined) ?? (io.interactive && !file ? 'pretty' : 'json'), file, ...(level ? { level: level as LogLevel } : {}) });
}

function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: warpdesk <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `warpdesk <command> --help` for its options, `warpdesk --version` for the version.',
  ].join('\n');
}

function commandHelp(cmd: Command): string {
  const flags = Object.fromEntries(Object.entries({ ...cmd.flags, ...COMMON_FLAGS }).filter(([, s]) => !s.replacedBy));
  const width = Math.max(...Object.keys(flags).map((f) => f.length));
  return [`Usage: ${cmd.usage}`, '', cmd.summary, '', 'Options:', ...Object.entries(flags).map(([n, s]) => `  --${n.padEnd(width)}  ${s.description}`)].join('\n');
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === 'help' || name === '-h') {
    io.stdout(helpText() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout(`warpdesk ${version()}\n`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.stderr(`warpdesk: unknown command "${name}"; the commands are ${COMMANDS.map((c) => c.name).join(', ')}. Run \`warpdesk --help\` for what each does.\n`);
    return 2;
  }
  try {
    const args = parseArgs(rest, { ...cmd.flags, ...COMMON_FLAGS });
    if (args.flags['help']) {
      io.stdout(commandHelp(cmd) + '\n');
      return 0;
    }
    configureLogs(cmd, args, io);
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
