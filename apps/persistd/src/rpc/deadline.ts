import type { ServerSurfaceCall } from '@grpc/grpc-js/build/src/server-call';

/**
 * The call's deadline as a Date.now() instant, or undefined. grpc-js answers DEADLINE_EXCEEDED
 * on its own timer while the handler still runs, so only the commit can keep a late save out:
 * it checks this before WATCH and again right before EXEC.
 */
export function deadlineOf(call: Pick<ServerSurfaceCall, 'getDeadline'>): number | undefined {
  const d = call.getDeadline();
  if (d instanceof Date) return d.getTime();
  return Number.isFinite(d) ? (d as number) : undefined;
}
