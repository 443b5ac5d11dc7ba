// The cluster client of a session whose membership changes: the client library links to the
// nodes it was opened with, so after `add` (a node to reach) or `remove` (one to stop asking)
// the session opens a client over the new node list and uses it from then on. Calls under way
// finish on the client they started on, which is closed once they have.
import { openClusterClient, type ClusterClient } from './cluster-client.js';
import type { KeyPair } from './keys.js';
import type { ClusterConfig } from './data-dir.js';

interface Entry {
  readonly client: ClusterClient;
  inFlight: number;
  retired: boolean;
}

export class SwitchableClient implements ClusterClient {
  private current: Entry;
  private readonly closing = new Set<Promise<void>>();

  constructor(
    first: ClusterClient,
    /** Opens a client over a cluster's nodes (openClusterClient with the session's key and id). */
    private readonly open: (cluster: ClusterConfig) => Promise<ClusterClient>,
  ) {
    this.current = { client: first, inFlight: 0, retired: false };
  }

  /** From now on, calls go to a client over `cluster`'s nodes; the old one closes when idle. */
  async reopen(cluster: ClusterConfig): Promise<void> {
    const next = await this.open(cluster);
    const old = this.current;
    this.current = { client: next, inFlight: 0, retired: false };
    old.retired = true;
    this.closeIfIdle(old);
  }

  private closeIfIdle(e: Entry): void {
    if (!e.retired || e.inFlight > 0) return;
    const p = e.client.close().catch(() => undefined);
    this.closing.add(p);
    void p.then(() => this.closing.delete(p));
  }

  private async use<T>(f: (c: ClusterClient) => Promise<T>): Promise<T> {
    const e = this.current;
    e.inFlight++;
    try {
      return await f(e.client);
    } finally {
      e.inFlight--;
      this.closeIfIdle(e);
    }
  }

  set: ClusterClient['set'] = (key, value, call) => this.use((c) => c.set(key, value, call));
  get: ClusterClient['get'] = (key, call) => this.use((c) => c.get(key, call));
  del: ClusterClient['del'] = (key, call) => this.use((c) => c.del(key, call));
  getLocal: ClusterClient['getLocal'] = (id, key) => this.use((c) => c.getLocal(id, key));
  read: ClusterClient['read'] = (key, call) => this.use((c) => c.read(key, call));
  range: ClusterClient['range'] = (prefix, call) => this.use((c) => c.range(prefix, call));
  status: ClusterClient['status'] = (id) => this.use((c) => c.status(id));
  logDump: ClusterClient['logDump'] = (id, from, to, opts) => this.use((c) => c.logDump(id, from, to, opts));
  admin: NonNullable<ClusterClient['admin']> = (id, action, args) => this.use((c) => this.need(c.admin, 'admin').call(c, id, action, args));
  trace: NonNullable<ClusterClient['trace']> = (id, on) => this.use((c) => this.need(c.trace, 'trace').call(c, id, on));
  step: NonNullable<ClusterClient['step']> = (id, action, opts) => this.use((c) => this.need(c.step, 'step').call(c, id, action, opts));
  readFile: NonNullable<ClusterClient['readFile']> = (id, file, offset, max) => this.use((c) => this.need(c.readFile, 'readFile').call(c, id, file, offset, max));

  private need<F>(f: F | undefined, what: string): F {
    if (f === undefined) throw Object.assign(new Error(`this client cannot ${what}`), { code: 'unsupported' });
    return f;
  }

  async close(): Promise<void> {
    this.current.retired = true;
    await Promise.all([this.current.client.close().catch(() => undefined), ...this.closing]);
  }
}

/**
 * A session's client over the cluster's member nodes (removed ones are never asked), reopened
 * over the new list after each membership change.
 */
export async function openSwitchableClient(cluster: ClusterConfig, opts: { clientId: string; auth: KeyPair | null; timeoutMs?: number }): Promise<SwitchableClient> {
  const open = (c: ClusterConfig) => openClusterClient({ ...c, nodes: c.nodes.filter((n) => (n.member ?? 'voter') !== 'removed') }, opts);
  return new SwitchableClient(await open(cluster), open);
}
