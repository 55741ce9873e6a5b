/**
 * Redis Cluster redirections met by a commit connection (DESIGN §5 "Redis Cluster"). A commit
 * runs on a plain connection to one master, which follows no redirection: a reply below means
 * that master refused the command — nothing it names was applied — and the attempt restarts,
 * from staging, against the slot's owner.
 *
 *   MOVED <slot> <host:port>   the slot belongs to another master now (reshard done, failover)
 *   ASK <slot> <host:port>     the slot is being migrated and this key is already gone (or new)
 *   TRYAGAIN                   a multi-key command during a migration, keys split between nodes
 *   CLUSTERDOWN                the cluster cannot serve the slot now (a master failed, no quorum yet)
 *
 * A refused command inside MULTI makes Redis answer EXEC with EXECABORT (and discard it all);
 * ioredis then lists the queued commands' errors in `previousErrors`. EXEC itself is answered
 * MOVED/ASK when the slot moved between the queued commands and the EXEC: discarded too.
 */

export type RedirectionKind = 'MOVED' | 'ASK' | 'TRYAGAIN' | 'CLUSTERDOWN';

/** What a redirection says. */
export interface Redirection {
  kind: RedirectionKind;
  /** MOVED/ASK: the slot and the node (`host:port`) that serves it. */
  slot?: number;
  node?: string;
}

const KINDS: readonly RedirectionKind[] = ['MOVED', 'ASK', 'TRYAGAIN', 'CLUSTERDOWN'];

function parse(e: unknown): Redirection | undefined {
  if (!(e instanceof Error) || e.name !== 'ReplyError') return undefined;
  const [word, slot, node] = e.message.split(' ');
  const kind = KINDS.find((k) => k === word);
  if (!kind) return undefined;
  if ((kind === 'MOVED' || kind === 'ASK') && slot !== undefined && node !== undefined) return { kind, slot: Number(slot), node };
  return { kind };
}

/** The redirection behind a failure — directly, or behind an EXECABORT — or undefined. */
export function redirectionOf(err: unknown): Redirection | undefined {
  const direct = parse(err);
  if (direct) return direct;
  const previous = (err as { previousErrors?: unknown[] } | undefined)?.previousErrors;
  if (Array.isArray(previous)) {
    // MOVED outranks the others: it names the new owner.
    const found = previous.map(parse).filter((r): r is Redirection => r !== undefined);
    return found.find((r) => r.kind === 'MOVED') ?? found[0];
  }
  return undefined;
}
