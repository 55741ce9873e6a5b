/**
 * The exit codes scripts switch on: a verdict (0, 1) or no verdict (2). A bug also exits 2, never
 * 1, so "rejected" always means the data was judged and found wrong.
 */
export const EXIT = {
  accepted: 0,
  rejected: 1,
  trouble: 2,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
