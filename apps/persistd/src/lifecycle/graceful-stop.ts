import type * as grpc from '@grpc/grpc-js';

/**
 * Stops a grpc-js server gracefully: no new calls (tryShutdown closes the port and sends GOAWAY,
 * so a new call is refused with UNAVAILABLE and nothing runs), calls in flight finish — for at
 * most `graceMs`, after which forceShutdown cancels what is left. Resolves true when everything
 * finished within the grace.
 */
export function stopServer(server: grpc.Server, graceMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      server.forceShutdown();
      resolve(false);
    }, graceMs);
    server.tryShutdown(() => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Resolves true when `work` settles within `ms`, false otherwise (it keeps running). */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
