/**
 * The list of `warpdesk` commands. Add one import and one entry per command; keep the list alphabetical.
 */
import type { Command } from '../command';
import { agentCommand } from './agent';
import { auditCommand } from './audit';
import { backtestCommand } from './backtest';
import { benchCommand } from './bench';
import { coordinatorCommand } from './coordinator';
import { evaluateCommand } from './evaluate';
import { learnCommand } from './learn';
import { memoryCommand } from './memory';
import { searchCommand } from './search';
import { serveCommand } from './serve';
import { swarmCommand } from './swarm';
import { sweepCommand } from './sweep';

export const COMMANDS: Command[] = [agentCommand, auditCommand, backtestCommand, benchCommand, coordinatorCommand, evaluateCommand, learnCommand, memoryCommand, searchCommand, serveCommand, swarmCommand, sweepCommand];
