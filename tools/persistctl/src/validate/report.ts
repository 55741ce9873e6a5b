import { OwnerSystem, OwnerSystemSchema, VALIDATE_BOUNDS, type RecordCounts } from '@persistd/contract';
import type { RuleViolation } from '@persistd/validation';

/**
 * What the CLI found, in one plain shape for both outputs: `--json` prints it as it is (numbers
 * that may pass 2^53, such as epochs, are decimal strings), the text form reads it line by line.
 */
export interface Report {
  target: StoredWorldSubject | SnapshotFileSubject;
  /** True when every check accepted (a stored epoch dropped by retention meanwhile is no verdict). */
  accepted: boolean;
  checks: Check[];
}

/** A stored world: where it was read. The Redis URL is shown without credentials. */
export interface StoredWorldSubject {
  kind: 'stored';
  worldId: string;
  redis: string;
  keyPrefix: string;
  committedEpoch: string;
}

/** A snapshot file, and the world and epoch it was judged as a save of. */
export interface SnapshotFileSubject {
  kind: 'file';
  path: string;
  format: 'binary' | 'json';
  worldId: string;
  expectedEpoch: string;
}

/** `dropped`: retention removed a stored epoch while the check ran; neither verdict. */
export type CheckStatus = 'accepted' | 'rejected' | 'dropped';

/** One judged unit: a stored epoch, the epoch pointer, or the snapshot of a file. */
export interface Check {
  subject: string;
  epoch?: string;
  status: CheckStatus;
  /** The reason when rejected: DESIGN §4's code (the first violation's when there are several). */
  code?: string;
  message?: string;
  /** Every structural rule broken, in canonical order. */
  violations: ReportViolation[];
  digest?: string;
  contentDigest?: string;
  counts?: Counts;
}

/** A violation as the Validate RPC's JSON shows it (`system` as its proto enum name). */
export interface ReportViolation {
  code: string;
  system: string;
  recordId: string;
  path: string;
  message: string;
}

export interface Counts {
  players: number;
  zones: number;
  npcs: number;
  items: number;
  quests: number;
}

/** A violation for the report. */
export function reportViolation(v: RuleViolation): ReportViolation {
  return { code: v.code, system: OwnerSystemSchema.value[v.system]?.name ?? String(v.system), recordId: v.recordId, path: v.path, message: v.message };
}

/** Record counts for the report. */
export function reportCounts(c: RecordCounts | undefined): Counts | undefined {
  return c && { players: c.players, zones: c.zones, npcs: c.npcs, items: c.items, quests: c.quests };
}

/** The `--json` output: the report, one document. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * The readable output: what was read, one line per check with its violations under it (the first
 * VALIDATE_BOUNDS.violations, as Validate lists them, then how many there were), the verdict.
 * `--json` keeps every violation.
 */
export function renderText(report: Report): string {
  const lines = [heading(report.target)];
  const width = Math.max(...report.checks.map((c) => c.subject.length));
  for (const c of report.checks) {
    const subject = c.subject.padEnd(width);
    if (c.status === 'accepted') {
      const facts = [c.counts && countsText(c.counts), c.digest && `digest ${c.digest}`, c.contentDigest && `content_digest ${c.contentDigest}`].filter(Boolean);
      lines.push(`  ${subject}  accepted  ${facts.join('  ')}`.trimEnd());
    } else if (c.status === 'dropped') {
      lines.push(`  ${subject}  dropped   ${c.message ?? ''}`.trimEnd());
    } else {
      lines.push(`  ${subject}  REJECTED  ${c.code}: ${c.message}`);
      const listed = c.violations.slice(0, VALIDATE_BOUNDS.violations);
      for (const v of listed) lines.push(`      ${v.code}  ${systemName(v.system)}${v.recordId ? ` ${v.recordId}` : ''}  ${v.path}: ${v.message}`);
      if (c.violations.length > 0) lines.push(`      showing ${listed.length} of ${c.violations.length} violations`);
    }
  }
  const rejected = report.checks.filter((c) => c.status === 'rejected').length;
  lines.push(report.accepted ? 'result: ACCEPTED' : `result: REJECTED (${rejected} of ${report.checks.length} rejected)`);
  return `${lines.join('\n')}\n`;
}

function heading(t: Report['target']): string {
  return t.kind === 'stored'
    ? `persistctl validate: world ${t.worldId}, key prefix ${t.keyPrefix} at ${t.redis}, committed epoch ${t.committedEpoch}`
    : `persistctl validate: file ${t.path} (${t.format}), as a save of world ${t.worldId || '(none)'} from epoch ${t.expectedEpoch}`;
}

function countsText(c: Counts): string {
  return `${c.players} players, ${c.zones} zones, ${c.npcs} npcs, ${c.items} items, ${c.quests} quests`;
}

/** `OWNER_SYSTEM_QUEST` → `quest`; request-level findings say `request`. */
function systemName(json: string): string {
  const name = json.replace(/^OWNER_SYSTEM_/, '').toLowerCase();
  return name === OwnerSystem[OwnerSystem.UNSPECIFIED].toLowerCase() ? 'request' : name;
}
