/**
 * How much each scenario does. The short form runs inside `npm test` (all scenarios under two
 * minutes on a 2-core machine, with real faults counted); the long form repeats rounds of the
 * larger one until its time is up.
 */
export interface Scale {
  label: 'short' | 'long';
  /** Worlds written side by side in scenarios 1–3 (one writer each). */
  worlds: number;
  /** Logical saves per writer in scenarios 1–3. */
  savesPerWorld: number;
  persistdKills: number;
  redisKills: number;
  /** Scheduled link faults (stall, cut all, cut on EXEC, refuse) in scenario 3, on top of random chaos. */
  linkFaults: number;
  /** Longest stall between persistd and Redis (past the 10 s command timeout in the long form). */
  maxStallMs: number;
  /** Rounds of 16 racing writers in scenario 4. */
  racingRounds: number;
  /** Writers and saves each in scenario 5. */
  cutWorlds: number;
  savesPerCutWorld: number;
  /** Hostile inputs sent at the gRPC port. */
  hostileInputs: number;
  /** Wall-clock bound of one scenario's workload; loops stop by themselves at it. */
  scenarioBudgetMs: number;
}

export const SHORT: Scale = {
  label: 'short',
  worlds: 8,
  savesPerWorld: 6,
  persistdKills: 3,
  redisKills: 3,
  linkFaults: 8,
  maxStallMs: 1200,
  racingRounds: 5,
  cutWorlds: 5,
  savesPerCutWorld: 6,
  hostileInputs: 500,
  scenarioBudgetMs: 25_000,
};

export const LONG: Scale = {
  label: 'long',
  worlds: 8,
  savesPerWorld: 30,
  persistdKills: 10,
  redisKills: 6,
  linkFaults: 25,
  maxStallMs: 12_000,
  racingRounds: 25,
  cutWorlds: 8,
  savesPerCutWorld: 25,
  hostileInputs: 3000,
  scenarioBudgetMs: 180_000,
};
