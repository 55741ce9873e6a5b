import { status } from '@grpc/grpc-js';
import { SAVE_CODES, STORE_CODES, statusOf, type ErrorCode } from '@persistd/contract';
import { docsPath, withGeneratedSection } from './generated-section';

/** What docs/errors.md says of one code; its statuses come from `statusOf`, never from here. */
interface CodeDoc {
  meaning: string;
  /** What a client (or its operator) does about it. */
  action: string;
  /** Also answered on the stored path (Restore, verification) with `statusOf(code, 'stored')`. */
  stored?: boolean;
  /** A status the code can have besides `statusOf`'s, and when. */
  also?: { status: status; when: string };
}

/**
 * Every code of DESIGN §4 (libs/contract/src/codes.ts) — the Record's type makes the compiler
 * ask for a new code's row — with what it means and what a client should do.
 */
const CODE_DOCS: Record<ErrorCode, CodeDoc> = {
  UNAUTHENTICATED: { meaning: 'no or unknown credentials', action: 'send `authorization: Bearer <token>` with a token of `PERSISTD_TOKENS_FILE` (or a client certificate of the configured CA); retrying unchanged cannot help' },
  CLIENT_AUTHORED: { meaning: 'the caller is not an allowed game server for this world', action: 'use a principal that `PERSISTD_ALLOWED_PRINCIPALS` allows for this world; retrying unchanged cannot help' },
  MALFORMED_REQUEST: { meaning: 'the bytes do not parse as the request', action: 'a client bug: send the message the method expects; do not retry' },
  LIMIT_EXCEEDED: {
    meaning: 'a configured bound; `metadata.limit` names it',
    action: '`max_inflight_bytes`, or `max_restore_bytes` (a restore, or a SaveChanges reading its base): the daemon is busy — back off and retry with the same request id (a world larger than `max_restore_bytes` alone needs the setting raised); any other limit: shrink the request (or raise the setting)',
    also: { status: status.RESOURCE_EXHAUSTED, when: 'in-flight or restore bytes are full' },
  },
  FORBIDDEN_SOURCE: { meaning: '`source` is not `AUTHORITATIVE_RUNTIME`', action: 'save only the authoritative runtime state; never a replication snapshot, an event replay or client state' },
  PARTIAL_SAVE: { meaning: 'a section is absent', action: 'send all five sections, empty ones included (`captureSnapshot` does)' },
  UNSUPPORTED_VERSION: {
    meaning: 'a schema version this daemon cannot read',
    action: 'save: send the current `schema_version` (1); restore: the epoch was written by a newer daemon — upgrade this one, nothing is lost',
    stored: true,
  },
  MIXED_VERSION: { meaning: "a section's version differs from the snapshot's", action: "save: stamp every section with the snapshot's `schema_version`; restore: the stored epoch is damaged — restore another retained epoch", stored: true },
  MIXED_EPOCH: { meaning: "a section's `source_epoch` differs from `expected_epoch`", action: "save: stamp every section with `expected_epoch`; restore: the stored epoch is damaged — restore another retained epoch", stored: true },
  WORLD_MISMATCH: { meaning: 'the world section names another world', action: "set the world section's `world_id` to the request's" },
  RUNTIME_STATE: { meaning: 'a `runtime_only` field is set, or an unknown field is present', action: 'clear runtime-only fields; an unknown field means the client was built from another proto — rebuild it' },
  INVALID_FIELD: { meaning: 'a field breaks the field rules (ids, map keys and never the key `__proto__`, quantity, enums, coordinates, display name)', action: 'fix the field each `BadRequest` violation names' },
  DUPLICATE_ID: { meaning: 'the same id twice in one system with identical content', action: 'send each record once' },
  OWNERSHIP_OVERLAP: { meaning: 'one datum claimed twice: an id twice with different content, two items in one inventory slot, a zone cycle', action: 'resolve the claim the violation path names: every datum has one owner' },
  DANGLING_REFERENCE: { meaning: 'a reference to a player, zone or NPC absent from the snapshot', action: 'include the referenced record in the same snapshot, or drop the reference (nothing is ever inferred)' },
  REQUEST_ID_REUSED: { meaning: 'a committed `request_id` sent again with another request (other records, world, `expected_epoch` or source; Save and SaveChanges never share an id)', action: 'use a fresh request id for new content; reuse one only to retry the very same save' },
  EPOCH_CONFLICT: { meaning: '`expected_epoch` is not the committed epoch', action: 'another save won: re-read (GetWorldStatus or Restore) and save again from the committed epoch; never retry unchanged' },
  WORLD_NOT_FOUND: { meaning: 'restore of a world never saved or deleted; DeleteWorld of such a world', action: 'never saved: start the world fresh and save it with `expected_epoch` 0; `deleted_epoch` in the metadata: an operator deleted it, do not re-create it unasked' },
  EPOCH_NOT_FOUND: { meaning: 'restore of an epoch not retained', action: 'ask GetWorldStatus for the retained epochs and pick one' },
  MISSING_COMPONENT: { meaning: 'a stored meta, section or chunk is absent', action: 'restore another retained epoch; operators: check Redis (eviction, manual deletes) and run `persistctl verify`' },
  DIGEST_MISMATCH: { meaning: "a chunk's bytes do not hash to its id, or the meta to its digest", action: 'restore another retained epoch; operators: run `persistctl verify`; on `persistctl import`: the file was altered' },
  STORE_UNAVAILABLE: { meaning: 'Redis cannot be reached; nothing was sent', action: 'retry with backoff (same request id); health is NOT_SERVING meanwhile' },
  COMMIT_OUTCOME_UNKNOWN: { meaning: 'the commit may or may not have applied', action: 'retry with the same request id: it commits once or answers `replayed` (the SDK does this)' },
};

const statusName = (s: status) => `\`${status[s]}\``;

/** The status cell of a code: its status, then the stored path's and any other, when they differ. */
function statusCell(code: ErrorCode, doc: CodeDoc): string {
  const request = statusOf(code, 'request');
  const parts = [statusName(request)];
  if (doc.also) parts.push(`${statusName(doc.also.status)} when ${doc.also.when}`);
  const stored = statusOf(code, 'stored');
  if (doc.stored && stored !== request) parts.push(`${statusName(stored)} on restore (stored state)`);
  return parts.join('; ');
}

/** Every code, in precedence order (DESIGN §4): the closed list of codes.ts. */
export const ALL_CODES: readonly ErrorCode[] = [...SAVE_CODES, ...STORE_CODES];

/** The error-code table of docs/errors.md, made from codes.ts and its `statusOf`. */
export function codeTable(): string {
  const rows = ALL_CODES.map((code) => {
    const doc = CODE_DOCS[code];
    return `| \`${code}\` | ${statusCell(code, doc)} | ${doc.meaning} | ${doc.action} |`;
  });
  return ['| code | status | meaning | what a client does |', '|---|---|---|---|', ...rows].join('\n');
}

/** The page that holds the error-code table. */
export const ERRORS_DOC = docsPath('errors.md');

/** Markers around the generated table in docs/errors.md. */
export const CODES_BEGIN = '<!-- code-table:begin (generated by `npm run docs:config`) -->';
export const CODES_END = '<!-- code-table:end -->';

/** The page's text with the code table between the markers replaced by the current one. */
export function withCodeTable(page: string): string {
  return withGeneratedSection(page, CODES_BEGIN, CODES_END, codeTable());
}
