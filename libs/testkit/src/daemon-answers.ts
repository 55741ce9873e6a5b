import type { ServiceError } from '@grpc/grpc-js';
import { createClient, fromServiceError, PersistenceService } from '@persistd/contract';

/**
 * True when a handler of the daemon at `address` answers: a world's status, or a refusal with an
 * ErrorInfo (no credentials, Redis down on purpose). A bare UNAVAILABLE means nobody serves yet.
 */
export async function daemonAnswers(address: string): Promise<boolean> {
  const client = createClient(PersistenceService, address);
  try {
    await client.getWorldStatus({ worldId: 'readiness-probe' }, { deadline: Date.now() + 1000 });
    return true;
  } catch (e) {
    return fromServiceError(e as ServiceError) !== undefined;
  } finally {
    client.close();
  }
}
