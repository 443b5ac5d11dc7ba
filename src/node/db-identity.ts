// Which node (and cluster) a DB belongs to, stamped into it on creation: a data dir copied or
// pointed at the wrong node must not vote as this one. And the rule for a DB that is missing or
// empty although the node has run in its cluster: it lost its disk, so it forgot its promises.
import { StorageError } from './storage-error.js';
import { whatToDo } from './db-damage.js';
import type { NodeId } from '../paxos/types.js';

export interface DbIdentity {
  readonly node: NodeId;
  /** The cluster file's clusterId, when it has one. */
  readonly cluster?: string;
  /** Adopted from before records were sealed: unsealed records may exist in it. */
  readonly legacy?: boolean;
}

export interface Owner {
  readonly node: NodeId;
  readonly cluster?: string | undefined;
  /** The cluster says this node has run before (reported ready at least once). */
  readonly hasRunBefore?: boolean | undefined;
}

export function lostDiskError(dir: string, node: NodeId): StorageError {
  return new StorageError(
    'lost',
    `data dir ${dir} is missing or empty, but node ${node} has run in this cluster before; a node that lost its disk must ` +
      `not vote again under its old identity (it could let two values be chosen for one slot). ${whatToDo(node)}`,
  );
}

export function isDbIdentity(v: unknown): v is DbIdentity {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    Number.isSafeInteger(o.node) &&
    (o.cluster === undefined || typeof o.cluster === 'string') &&
    (o.legacy === undefined || typeof o.legacy === 'boolean')
  );
}

/**
 * Decides what an open does with the identity found in the DB: the identity to (re)write, if
 * any, or a refusal. `hasRecords`: the DB holds anything besides an identity.
 */
export function resolveIdentity(dir: string, found: DbIdentity | undefined, owner: Owner, hasRecords: boolean): DbIdentity | null {
  const stamp = (legacy: boolean): DbIdentity => ({
    node: owner.node,
    ...(owner.cluster !== undefined ? { cluster: owner.cluster } : {}),
    ...(legacy ? { legacy: true } : {}),
  });
  if (found === undefined) {
    // An empty DB (e.g. LevelDB re-created it) is as good as a lost one.
    if (!hasRecords && owner.hasRunBefore === true) throw lostDiskError(dir, owner.node);
    // Records but no identity: written before DBs were stamped. Adopt it, leniently.
    return stamp(hasRecords);
  }
  if (found.node !== owner.node) {
    throw new StorageError('foreign', `data dir ${dir} belongs to node ${found.node}, not node ${owner.node}; start node ${owner.node} on its own data dir`);
  }
  if (found.cluster !== undefined && owner.cluster !== undefined && found.cluster !== owner.cluster) {
    throw new StorageError(
      'foreign',
      `data dir ${dir} belongs to cluster ${found.cluster}, not to this cluster (${owner.cluster}); point --data-dir at this cluster's directory for node ${owner.node}`,
    );
  }
  // A DB stamped before its cluster had an id learns it now.
  if (found.cluster === undefined && owner.cluster !== undefined) return { ...found, cluster: owner.cluster };
  return null;
}
