/**
 * The backtester's seeded PRNG (mulberry32, src/shared/random.ts): the random-signal baseline and the test
 * helpers draw from it, so runs reproduce. The bootstrap tests of the evaluation live in
 * src/main/evaluation/statistics (its stationary index resample is src/shared/bootstrap.ts). Must never use
 * Math.random.
 */
import { mulberry32 } from '../../shared/random';

export const rng = mulberry32;
