/**
 * The search capability's public surface (analog search over one data set). Other layers import it from
 * here, never from its files (see README "Layers"); the host wires `./capability` directly.
 */
export { findAnalogs, summarizeForward, validateQuery, type AnalogQuery, type AnalogResult } from './analogs';
