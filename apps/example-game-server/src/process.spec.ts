import { spawn, type ChildProcess } from 'node:child_process';
import { startDaemonProcess, WORKSPACE_ROOT, type DaemonProcess } from '@persistd/testkit';

/**
 * `npm run example` as a real process against a real daemon process: it saves on a timer and on
 * SIGTERM, and the next start restores exactly that epoch.
 */
type Event = Record<string, unknown> & { event: string };

interface GameProcess {
  child: ChildProcess;
  events: Event[];
  /** Resolves with the first event named `name` (bounded by jest's timeout). */
  waitFor(name: string, where?: (e: Event) => boolean): Promise<Event>;
  exited: Promise<number | null>;
}

function startGame(env: Record<string, string>): GameProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/example-game-server/src/main.ts'], {
    cwd: WORKSPACE_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Event[] = [];
  const waiters: { name: string; where: (e: Event) => boolean; resolve: (e: Event) => void }[] = [];
  let buffered = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const e = JSON.parse(line) as Event;
      events.push(e);
      for (const w of waiters.filter((x) => x.name === e.event && x.where(e))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    events,
    exited,
    waitFor: (name, where = () => true) => {
      const seen = events.find((e) => e.event === name && where(e));
      if (seen) return Promise.resolve(seen);
      return Promise.race([
        new Promise<Event>((resolve) => waiters.push({ name, where, resolve })),
        exited.then((code) => {
          throw new Error(`game server exited (${code}) before "${name}":\n${JSON.stringify(events, null, 1)}\n${stderr}`);
        }),
      ]);
    },
  };
}

let daemon: DaemonProcess;

beforeAll(async () => {
  daemon = await startDaemonProcess();
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
});

describe('npm run example', () => {
  it('saves on a timer and on SIGTERM, and restores that save on the next start', async () => {
    const env = { PERSISTD_ADDRESS: daemon.address, EXAMPLE_WORLD_ID: 'proc-world', EXAMPLE_TICK_MS: '10', EXAMPLE_SAVE_MS: '150' };

    const first = startGame(env);
    await first.waitFor('fresh');
    await first.waitFor('activated');
    const timed = await first.waitFor('saved', (e) => e.epoch === '2'); // two saves made by the timer
    expect(Number(timed.ticks)).toBeGreaterThan(0);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const stopped = first.events.find((e) => e.event === 'stopped')!;
    expect(stopped).toBeDefined();
    expect(BigInt(stopped.epoch as string)).toBeGreaterThan(2n);
    const lastSaved = first.events.filter((e) => e.event === 'saved').at(-1)!;
    expect(lastSaved).toMatchObject({ epoch: stopped.epoch, content_digest: stopped.content_digest });

    const second = startGame(env);
    const restored = await second.waitFor('restored');
    expect(restored).toMatchObject({ world: 'proc-world', epoch: stopped.epoch, content_digest: stopped.content_digest, active: false });
    const activated = await second.waitFor('activated');
    expect(second.events.indexOf(activated)).toBeGreaterThan(second.events.indexOf(restored));
    await second.waitFor('running'); // signal handlers are in place
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    const again = second.events.find((e) => e.event === 'stopped')!;
    expect(BigInt(again.epoch as string)).toBe(BigInt(stopped.epoch as string) + 1n);
  });
});
