import { hostileInputs } from './hostile/hostile-input';
import { semanticRefusals } from './hostile/semantic-refusals';
import { intakeFloods } from './hostile/intake-floods';
import { neverReadingRestores } from './hostile/never-reading-restores';
import { deriveSeed } from './rng';
import { clientCuts } from './scenarios/client-cuts';
import { crashLoop } from './scenarios/crash-loop';
import type { ScenarioInput } from './scenarios/environment';
import { persistdKills } from './scenarios/persistd-kills';
import { racingWriters } from './scenarios/racing-writers';
import { redisKills } from './scenarios/redis-kills';
import { redisLinkChaos } from './scenarios/redis-link-chaos';
import { retentionRace } from './scenarios/retention-race';
import type { ScenarioReport } from './scenarios/report';

/** Every scenario by name, in the order a run goes through them. */
export const SCENARIOS = {
  'persistd-kill': persistdKills,
  'redis-kill': redisKills,
  'redis-link': redisLinkChaos,
  racing: racingWriters,
  'client-cut': clientCuts,
  retention: retentionRace,
  hostile: hostileInputs,
  'hostile-semantic': semanticRefusals,
  'intake-floods': intakeFloods,
  'crash-loop': crashLoop,
  'never-reading': neverReadingRestores,
} as const satisfies Record<string, (input: ScenarioInput) => Promise<ScenarioReport>>;

export type ScenarioName = keyof typeof SCENARIOS;
export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

/** The seed of one scenario of one round: derived, so `--seed` replays the whole run. */
export function scenarioSeed(seed: number, round: number, name: ScenarioName): number {
  return deriveSeed(seed, `${round}/${name}`);
}
