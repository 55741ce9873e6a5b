import { PersistdClient, isPersistdError } from '@persistd/client';
import { StateSource } from '@persistd/contract';
import { type DaemonProcess, refusedWorld, startDaemonProcess } from '@persistd/testkit';
import { describeFailure } from './failure';

/** What persistctl prints for a refusal of the daemon, read from a real one. */

let daemon: DaemonProcess;
let client: PersistdClient;

beforeAll(async () => {
  daemon = await startDaemonProcess();
  client = new PersistdClient(daemon.address);
}, 120_000);

afterAll(async () => {
  client.close();
  await daemon?.stop();
});

async function refusalOf(worldId: string, count: number): Promise<unknown> {
  const { snapshot } = refusedWorld('dangling-items', worldId, count);
  return client.save({ worldId, expectedEpoch: 0n, source: StateSource.AUTHORITATIVE_RUNTIME, snapshot }).then(
    () => { throw new Error('expected a refusal'); },
    (e: unknown) => e,
  );
}

describe('describeFailure', () => {
  it('prints the listed violations, then how many of how many', async () => {
    const e = await refusalOf('ctl-flood', 5_000);
    if (!isPersistdError(e)) throw e;
    const text = describeFailure(e);
    expect(text.split('\n')[0]).toMatch(/^DANGLING_REFERENCE: DANGLING_REFERENCE: .*\(and 4999 more\)$/);
    expect(text).toContain('  items[h0000000].location.inventory.player_id: DANGLING_REFERENCE: ');
    expect(text.split('\n').at(-1)).toBe(`showing ${e.violations.length} of 5000 violations`);
    expect(e.violations.length).toBeLessThan(5_000);
    expect(text).not.toContain('violations_total');
  });

  it('says all were shown when they were', async () => {
    const e = await refusalOf('ctl-few', 2);
    expect(describeFailure(e).split('\n').at(-1)).toBe('showing 2 of 2 violations');
  });
});
