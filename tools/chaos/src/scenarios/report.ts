import type { HistoryCounts, Resolution, Violation } from '@persistd/testkit';

/** A finding of the harness itself, outside the history (a crash, a stuck world). */
export interface HarnessFinding {
  kind: 'daemon-crash' | 'no-progress' | 'hostile-status' | 'hostile-hang' | 'hostile-accepted-invalid' | 'hostile-unverified' | 'harness-error';
  message: string;
}

/** What one scenario did and found: a row of the table. */
export interface ScenarioReport {
  name: string;
  seed: number;
  counts: HistoryCounts;
  /** Restores made while the faults ran, and how many returned a whole epoch. */
  reads: { total: number; restored: number; byOutcome: Record<string, number> };
  /** Faults injected, by kind (kills, cuts, delays, stalls, conflicts, …). */
  faults: Record<string, number>;
  resolution: Resolution;
  epochsChecked: number;
  violations: Violation[];
  findings: HarnessFinding[];
  durationMs: number;
}

/** Violations and harness findings together: must be zero. */
export function problemsOf(r: ScenarioReport): number {
  return r.violations.length + r.findings.length;
}

export function faultTotal(r: ScenarioReport): number {
  return Object.values(r.faults).reduce((a, b) => a + b, 0);
}
