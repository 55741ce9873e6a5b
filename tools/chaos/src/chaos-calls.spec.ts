import { hostileInputs } from './hostile/hostile-input';
import { intakeFloods } from './hostile/intake-floods';
import { NEVER_READING, neverReadingRestores } from './hostile/never-reading-restores';
import { semanticRefusals } from './hostile/semantic-refusals';
import { clientCuts } from './scenarios/client-cuts';
import { racingWriters } from './scenarios/racing-writers';
import { redisLinkChaos } from './scenarios/redis-link-chaos';
import { retentionRace } from './scenarios/retention-race';
import { SHORT } from './scenarios/scale';
import { problems, shortForm } from './test/short-form';

/** The short form's scenarios of faults on links and calls, and of hostile input (test/short-form.ts). */
const { seed, run } = shortForm('links, calls and hostile input');

describe(`chaos, short form: links, calls and hostile input (seed ${seed})`, () => {
  it('3. a fault proxy between persistd and Redis cuts, delays, stalls and refuses: every outcome accounted for', async () => {
    const r = await run('redis-link', redisLinkChaos);
    expect(problems(r)).toEqual([]);
    expect(r.faults.cuts).toBeGreaterThan(0);
    expect(r.counts.acknowledged).toBeGreaterThan(0);
  });

  it('4. 16 writers race on one world with the same and stale expected epochs: one commit per round', async () => {
    const r = await run('racing', racingWriters);
    expect(problems(r)).toEqual([]);
    expect(r.faults.conflicts).toBeGreaterThan(0);
    expect(r.counts.acknowledged).toBeGreaterThan(0);
  });

  it('5. clients cut off mid-call retry with the same request id: committed once', async () => {
    const r = await run('client-cut', clientCuts);
    expect(problems(r)).toEqual([]);
    expect(r.faults['client cuts']).toBeGreaterThan(0);
    expect(r.counts.unknown).toBeGreaterThan(0);
    expect(r.resolution.committed).toBeGreaterThan(0);
  });

  it('6. retention under contention: readers never meet a dropped chunk, acknowledged epochs hold until dropped', async () => {
    const r = await run('retention', retentionRace);
    expect(problems(r)).toEqual([]);
    expect(r.faults.conflicts).toBeGreaterThan(0);
    expect(r.reads.restored).toBeGreaterThan(0);
  });

  it('7. hostile input at the gRPC port: a DESIGN §4 status for each, no crash or hang, only valid saves commit', async () => {
    const r = await run('hostile', hostileInputs);
    process.stdout.write(`hostile inputs tried: ${r.counts.operations}\n`);
    expect(problems(r)).toEqual([]);
    expect(r.counts.operations).toBe(SHORT.hostileInputs);
    expect(r.epochsChecked).toBeGreaterThan(0);
  });

  it('8. semantic hostility: refusals of 1,000 to 100,000 violations, id and slot floods, a 20,000-zone cycle answered with their code on a channel that keeps serving; a legal 20,000-zone chain commits', async () => {
    const r = await run('hostile-semantic', semanticRefusals);
    expect(problems(r)).toEqual([]);
    expect(r.faults['refusals sent']).toBe(6);
    expect(r.counts.refused).toBe(6);
    expect(r.counts.acknowledged).toBe(1);
    expect(r.epochsChecked).toBeGreaterThan(0);
  });

  it('9. hostile intake: unauthenticated large bodies refused on their metadata, record, map-entry and string floods refused at their limits, each channel still serving', async () => {
    const r = await run('intake-floods', intakeFloods);
    expect(problems(r)).toEqual([]);
    expect(r.counts.refused).toBe(r.counts.operations);
    expect(r.counts.operations).toBe(11);
  });

  it('11. restores that never read: each ends RESOURCE_EXHAUSTED within its bound, and the connection and a new client keep serving', async () => {
    const r = await run('never-reading', neverReadingRestores);
    expect(problems(r)).toEqual([]);
    expect(r.faults['never-reading restores']).toBe(NEVER_READING.readers);
    expect(r.counts.acknowledged).toBe(1);
    expect(r.epochsChecked).toBeGreaterThan(0);
  });
});
