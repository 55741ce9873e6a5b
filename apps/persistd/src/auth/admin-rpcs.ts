import type { DescMessage } from '@bufbuild/protobuf';
import { DeleteWorldRequestSchema } from '@persistd/contract';

/**
 * Requests only admin principals may send (DESIGN §3 DeleteWorld, PERSISTD_ADMIN_PRINCIPALS): a
 * game server that may save a world may not wipe it. Authority checks these against the admin
 * list instead of the allowlist. Without credentials (a loopback-only daemon) every caller is
 * `anonymous` and may call them too: whoever reaches that port already runs on the host.
 */
const ADMIN_REQUESTS: ReadonlySet<DescMessage> = new Set([DeleteWorldRequestSchema]);

/** True for the request of an admin-only RPC. */
export function isAdminRpc(desc: DescMessage): boolean {
  return ADMIN_REQUESTS.has(desc);
}
