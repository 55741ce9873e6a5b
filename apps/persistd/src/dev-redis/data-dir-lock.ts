import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/settings';

/** True while a process with this pid exists (EPERM: it exists but is someone else's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One daemon at a time per data folder: two redis-servers appending to the same AOF would
 * corrupt it. The lock file holds the owning daemon's pid; a lock whose owner is gone (a
 * SIGKILLed daemon) is taken over.
 */
export function lockDataDir(dir: string): { release(): void } {
  const file = join(dir, 'persistd.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return { release: () => rmSync(file, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const owner = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new ConfigError(`PERSISTD_DEV_REDIS: ${dir} is in use by persistd pid ${owner}; stop that daemon first (or remove ${file} if that pid is not persistd)`);
    }
    rmSync(file, { force: true });
  }
  throw new ConfigError(`PERSISTD_DEV_REDIS: could not lock ${dir}`);
}
