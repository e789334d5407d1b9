/**
 * Warpdesk's strategy: the one learning loop (analogs → forecast → signal → gate → experience → outcome →
 * verdict → adapt) that the app, the backtest, `warpdesk learn`, the CLI search and the swarm agent all run.
 * Nothing else computes a signal, an outcome or a verdict. Design: docs/adr/0009-one-learning-loop.md.
 *
 *   const { analogs } = await findAnalogsAt(engine, bars, t, params);          // the rule: analogRange()
 *   const loop = new StrategyLoop({ params, memory, patternType, dataset, timeframe });
 *   const d = loop.step(bars, t, analogs);   // settles what is due, decides, records
 *   await decideLive({ engine, memory, bars, t, params, ... });               // the app's one call
 */
export * from './analogs';
export * from './forecast';
export * from './signal';
export * from './outcome';
export * from './loop';
export * from './settle';
export * from './live';
export * from './params';
export * from './regime';
export * from './decisions-file';
export { strategyCapability, type StrategyCapabilityOptions } from './capability';
