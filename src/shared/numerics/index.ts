/**
 * The engine's numeric conventions, once, for every side (renderer, main, the reference engine and its
 * worker, the backtester, the memory, the swarm): z-normalisation, envelopes and LB_Keogh, the greedy
 * exclusion selection and its pruning set, and the similarity formula. The native addon implements the same
 * conventions in C++ and is tested bit for bit against the reference engine, which uses these.
 * Pure TypeScript: no Node, Electron or DOM imports.
 */
export * from './znorm';
export * from './bounds';
export * from './select';
export * from './similarity';
export * from './cone';
