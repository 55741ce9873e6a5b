import type { BaseWholeSave } from '../changes/base-whole-save';
import type { ChangeSizeResult } from '../changes/change-rows';
import type { ChurnResult } from '../churn/churn';
import type { RedisLatency } from '../procs/redis-latency';
import type { RestoreFormsResult } from '../restore-forms/restore-forms';
import type { InProcessResult } from '../run/in-process';
import type { StartUpResult } from '../run/start-up';
import type { RestoreCellResult, SaveCellResult } from '../run/cells';
import type { SizeName, SizeSpec } from '../sizes';

/** Everything one size measured (bench/results.json `sizes[]`). */
export interface SizeResult {
  name: SizeName;
  shape: SizeSpec['shape'];
  records: number;
  /** Bytes of one save request (save MB/s counts these). */
  requestBytes: number;
  /** Bytes of the stored chunks a restore sends (restore MB/s counts these). */
  storedBytes: number;
  chunks: number;
  inProcess: InProcessResult;
  save: Omit<SaveCellResult, 'worlds'>[];
  restore: RestoreCellResult[];
}

/** A capacity target, evaluated on this run. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | 'unavailable';
}

/** bench/results.json. */
export interface BenchResults {
  startedAt: string;
  durationSec: number;
  mode: 'full' | 'quick';
  machine: { node: string; cpus: number; loadAverage: number[] };
  sizes: SizeResult[];
  /** Restarts: spawn → listening → first acknowledged save, and a warm save's p50. */
  startUp?: StartUpResult;
  churn?: ChurnResult;
  /** SaveChanges next to a whole Save of the same world, per size (absent with --no-changes). */
  changes?: ChangeSizeResult[];
  /** `--base-daemon`: an older build's whole L Save, alternating with this build's. */
  baseWholeSave?: BaseWholeSave;
  /** Full mode: restores of the L world stored in form 2 next to form 1 (two daemons, alternating). */
  restoreForms?: RestoreFormsResult;
  /** `redis-cli --latency` during the first L save. */
  redisLatencyDuringLSave?: RedisLatency;
  targets: TargetCheck[];
  notes: string[];
}
