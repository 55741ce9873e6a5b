/**
 * persistctl's exit codes, one meaning each, so scripts can branch on them:
 *
 * | code | meaning |
 * |---|---|
 * | 0 | done; for `verify`, every retained epoch is intact |
 * | 1 | refused or damaged: the daemon refused (a §4 code), an epoch or an export file is damaged, a world or epoch does not exist |
 * | 2 | usage or connection: bad arguments, unreadable files, daemon/Redis/metrics unreachable, bad credentials, a save whose outcome stayed unknown |
 * | 3 | internal error (a bug: please report it with the output) |
 */
export const EXIT = { OK: 0, REFUSED: 1, USAGE: 2, INTERNAL: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
