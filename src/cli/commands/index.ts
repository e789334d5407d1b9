/**
 * The list of `warpdesk` commands. Add one import and one entry per command; keep the list alphabetical.
 */
import type { Command } from '../command';
import { searchCommand } from './search';
import { serveCommand } from './serve';

export const COMMANDS: Command[] = [searchCommand, serveCommand];
