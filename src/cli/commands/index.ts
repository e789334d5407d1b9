/**
 * The list of `warpdesk` commands. Add one import and one entry per command; keep the list alphabetical.
 */
import type { Command } from '../command';
import { agentCommand } from './agent';
import { coordinatorCommand } from './coordinator';
import { searchCommand } from './search';
import { serveCommand } from './serve';
import { swarmCommand } from './swarm';

export const COMMANDS: Command[] = [agentCommand, coordinatorCommand, searchCommand, serveCommand, swarmCommand];
