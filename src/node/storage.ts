// One classic-level DB per node. Layout (keys sort bytewise, so slots are zero-padded):
//   meta!promised -> Ballot, meta!commitIndex -> number
//   acc!<slot>    -> AcceptedEntry   (this acceptor's vote, overwritten by a later ballot)
//   chosen!<slot> -> ChosenEntry     (values learned by catch-up, with no matching vote here)
//   meta!snap     -> Snapshot        (the KV state below snap.index; the log below it is deleted)
//   meta!identity -> DbIdentity      (whose DB this is: written once, on creation)
// Values are sealed with a CRC over key and bytes (record-seal.ts); what LevelDB itself drops
// while recovering a damaged log is caught from its info log (db-damage.ts).
// Values are msgpack. Every Ready is one atomic batch, with sync:true when it holds a promise or
// votes: the fsync that lets the Promise/Accepted it vouches for leave the node, shared by every
// entry of that Ready (see needsSync for the writes that need none).
import { Decoder, Encoder } from '@msgpack/msgpack';
import type { AbstractSublevel } from 'abstract-level';
import { ClassicLevel } from 'classic-level';
import { assert } from '../paxos/assert.js';
import { damagedLine, WHAT_TO_DO, inspectDir, linkLogs, recordDamage, recoveryDamage, unlinkAll } from './db-damage.js';
import { isDbIdentity, lostDiskError, resolveIdentity, type DbIdentity, type Owner } from './db-identity.js';
import { seal, unseal } from './record-seal.js';
import { StorageError } from './storage-error.js';
import { compareBallots } from '../paxos/ballot.js';
import {
  persistReceipt,
  ZERO_BALLOT,
  type AcceptedEntry,
  type Ballot,
  type ChosenEntry,
  type DurableState,
  type DurableWrite,
  type PersistReceipt,
  type Ready,
  type Snapshot,
} from '../paxos/types.js';

const SLOT_DIGITS = 16;

export function slotKey(slot: number): string {
  assert(Number.isSafeInteger(slot) && slot >= 0, `storage: bad slot ${slot}`);
  return String(slot).padStart(SLOT_DIGITS, '0');
}

export { StorageError };

export interface OpenOptions {
  /** The node that is to vote with this DB: a new DB is stamped with it, an old one must match. */
  readonly owner?: Owner;
  /** False for readers (diff of a dead node): a missing or empty dir is StorageError 'missing'. */
  readonly create?: boolean;
}

type Db = ClassicLevel<string, Uint8Array>;
type Sub = AbstractSublevel<Db, string | Buffer | Uint8Array, string, Uint8Array>;

/** Only the commit index moved: worth no write of its own (the leader would make one per slot). */
function isCommitOnly(w: DurableWrite): w is DurableWrite & { commitIndex: number } {
  return w.commitIndex !== undefined && !needsSync(w);
}

export function isEmptyWrite(w: DurableWrite): boolean {
  return (
    w.promised === undefined &&
    w.commitIndex === undefined &&
    w.accepted.length === 0 &&
    w.chosen.length === 0 &&
    w.snapshot === undefined &&
    w.removed === undefined
  );
}

/**
 * A promise or a vote is vouched for by a message (Promise, Accepted), so it needs the fsync
 * before the Ready's messages leave. A value learned by catch-up is synced too: LevelDB may lose
 * an unsynced batch of an older log file while a later synced batch survives (a memtable switch
 * closes the old log without syncing it), and recovery must never find a commit index above a
 * value it lacks. Only a batch that merely moves the commit index goes unsynced: losing it
 * leaves a shorter prefix, which the node catches up again. That saves the leader an fsync per
 * commit (a third of the fsyncs on a write's path at one client). Such a batch is not even
 * written on its own: the commit index rides with the next batch, or flushCommit() writes it.
 */
export function needsSync(w: DurableWrite): boolean {
  // A snapshot is synced before the log below it is deleted, or a crash could lose both.
  // So is a removal: the node must not come back from a crash to vote where it no longer may.
  return (
    w.promised !== undefined || w.accepted.length > 0 || w.chosen.length > 0 || w.snapshot !== undefined || w.removed !== undefined || w.sync === true
  );
}

export class NodeStorage {
  private constructor(
    private readonly db: Db,
    private readonly dir: string,
    private readonly meta: Sub,
    private readonly acc: Sub,
    private readonly chosen: Sub,
    /** Every record must be sealed: false only for a DB adopted from before records were. */
    private readonly strict: boolean,
  ) {}

  /** Counters for status and tests: how many synced batches (fsyncs) and entries were written. */
  batchesWritten = 0;
  entriesWritten = 0;
  /**
   * A commit index not yet written: a write that would hold nothing else waits for the next
   * batch or flushCommit(). Losing it in a crash only shortens the prefix replayed on restart.
   */
  private deferredCommit: number | undefined;

  static async open(dir: string, opts: OpenOptions = {}): Promise<NodeStorage> {
    const found = await inspectDir(dir);
    if (found.marker !== null) throw new StorageError('corrupt', found.marker);
    if (!found.hasData) {
      if (opts.owner?.hasRunBefore === true) throw lostDiskError(dir, opts.owner.node);
      if (opts.create === false) throw new StorageError('missing', `data dir ${dir} holds no DB`);
    } else if (!found.hasCurrent) {
      // LevelDB would start a new, empty DB here and delete the old files as obsolete.
      throw new StorageError('corrupt', damagedLine(dir, 'its LevelDB files are there but CURRENT is missing'));
    } else if (!found.hasLog) {
      throw new StorageError('corrupt', damagedLine(dir, 'its write-ahead log (NNNNNN.log) is missing, and with it the newest writes'));
    }
    const links = found.hasData ? await linkLogs(dir) : [];
    const db: Db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view', createIfMissing: !found.hasData });
    try {
      await db.open();
    } catch (err) {
      await unlinkAll(links);
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED') {
        throw new StorageError('locked', `data dir ${dir} is in use by another process (is this node already running?)`);
      }
      const why = cause?.message ?? (err instanceof Error ? err.message : String(err));
      if (cause?.code === 'LEVEL_CORRUPTION') throw new StorageError('corrupt', damagedLine(dir, `LevelDB cannot open it (${why})`));
      throw new StorageError('open-failed', `cannot open data dir ${dir}: ${why}. If it is damaged: ${WHAT_TO_DO}`);
    }
    try {
      const dropped = found.hasData ? await recoveryDamage(dir) : null;
      if (dropped !== null) throw new StorageError('corrupt', await recordDamage(dir, dropped, links));
      await unlinkAll(links);
      return await NodeStorage.claim(db, dir, opts.owner);
    } catch (err) {
      await db.close();
      throw asStorageError(dir, err);
    }
  }

  /** Checks (or stamps) whose DB this is; decides how strictly its records are read. */
  private static async claim(db: Db, dir: string, owner: Owner | undefined): Promise<NodeStorage> {
    const sub = (name: string): Sub => db.sublevel<string, Uint8Array>(name, { keyEncoding: 'utf8', valueEncoding: 'view' });
    const meta = sub('meta');
    const idKey = `${meta.prefix}identity`;
    const raw = await db.get(idKey);
    let identity: DbIdentity | undefined;
    if (raw !== undefined) {
      const u = unseal(idKey, raw);
      const v: unknown = u.ok ? decoder.decode(u.payload) : undefined;
      if (!u.ok || !u.sealed || !isDbIdentity(v)) throw new StorageError('corrupt', damagedLine(dir, `its identity record fails its checksum`));
      identity = v;
    }
    if (owner !== undefined) {
      const hasRecords = (await db.keys({ limit: 2 }).all()).some((k) => k !== idKey);
      const stamp = resolveIdentity(dir, identity, owner, hasRecords);
      if (stamp !== null) {
        await db.put(idKey, seal(idKey, encoder.encode(stamp)), { sync: true });
        identity = stamp;
      }
    }
    const strict = identity !== undefined && identity.legacy !== true;
    return new NodeStorage(db, dir, meta, sub('acc'), sub('chosen'), strict);
  }

  async load(): Promise<DurableState> {
    try {
      return await this.loadChecked();
    } catch (err) {
      throw asStorageError(this.dir, err);
    }
  }

  private async loadChecked(): Promise<DurableState> {
    const metaValue = async <T>(key: string): Promise<T | undefined> => {
      const full = this.meta.prefix + key;
      const raw = await this.db.get(full);
      return raw === undefined ? undefined : this.decodeStored<T>(full, raw);
    };
    const promised = (await metaValue<Ballot>('promised')) ?? ZERO_BALLOT;
    const commitIndex = (await metaValue<number>('commitIndex')) ?? 0;
    const snapshot = await metaValue<Snapshot>('snap');
    const removed = await metaValue<number>('removed');
    if (removed !== undefined && (!Number.isSafeInteger(removed) || removed < 0)) throw this.damaged('its removal record is malformed');
    if (!isBallot(promised)) throw this.damaged('its promised ballot is not a ballot');
    if (snapshot !== undefined && (!Number.isSafeInteger(snapshot.index) || !(snapshot.blob instanceof Uint8Array))) {
      throw this.damaged('its snapshot record is malformed');
    }
    // Entries below the snapshot are left only by a crash between its write and their deletion.
    const from = slotKey(snapshot?.index ?? 0);
    const accepted = await this.readAll<AcceptedEntry>(this.acc, from);
    const chosen = await this.readAll<ChosenEntry>(this.chosen, from);
    // Our own writes; a mismatch means the DB was damaged or written by something else.
    if (!Number.isSafeInteger(commitIndex) || commitIndex < 0) throw this.damaged(`its commit index is ${String(commitIndex)}`);
    for (const e of accepted) {
      if (!isBallot(e.ballot)) throw this.damaged(`slot ${e.slot}'s vote has no ballot`);
      // Every vote raised the promise with it, in the same batch: a lower promise was lost.
      if (compareBallots(e.ballot, promised) > 0) {
        throw this.damaged(`slot ${e.slot} was accepted at ballot ${e.ballot.round}.${e.ballot.node}, above the promise ${promised.round}.${promised.node} it holds`);
      }
    }
    return { promised, accepted, chosen, commitIndex, ...(snapshot !== undefined ? { snapshot } : {}), ...(removed !== undefined ? { removed } : {}) };
  }

  private decodeStored<T>(key: string, raw: Uint8Array): T {
    const u = unseal(key, raw);
    if (!u.ok) throw this.damaged(`record ${key} fails its checksum`);
    if (!u.sealed && this.strict) throw this.damaged(`record ${key} is not sealed`);
    try {
      return decoder.decode(u.payload) as T;
    } catch {
      throw this.damaged(`record ${key} does not decode`);
    }
  }

  private damaged(what: string): StorageError {
    return new StorageError('corrupt', damagedLine(this.dir, what));
  }

  /** Every value of a sublevel from fromKey on, in key order, checked against its key. */
  private async readAll<T extends { slot: number }>(sub: Sub, fromKey: string): Promise<T[]> {
    const out: T[] = [];
    const it = sub.iterator({ gte: fromKey });
    try {
      for (;;) {
        const page = await it.nextv(LOAD_PAGE);
        if (page.length === 0) break;
        for (const [key, raw] of page) {
          const e = this.decodeStored<T>(sub.prefix + key, raw);
          if (typeof e !== 'object' || e === null || slotKey0(e.slot) !== key) throw this.damaged(`record ${sub.prefix}${key} holds another slot`);
          out.push(e);
        }
      }
    } finally {
      await it.close();
    }
    return out;
  }

  /** Writes rd.write as one atomic batch (synced when needsSync) and hands back the receipt its messages need. */
  async persist(rd: Ready): Promise<PersistReceipt> {
    const w = rd.write;
    if (isEmptyWrite(w)) return persistReceipt(rd.id);
    if (isCommitOnly(w)) {
      this.deferredCommit = w.commitIndex;
      return persistReceipt(rd.id);
    }
    // Keys carry the sublevel prefix themselves: the same bytes as a put through the sublevel
    // (load() reads them that way), without its per-put option handling (~25 µs each).
    const batch = this.db.batch();
    const put = (key: string, v: unknown): void => void batch.put(key, seal(key, encoder.encodeSharedRef(v)));
    const meta = this.meta.prefix;
    if (w.promised !== undefined) put(`${meta}promised`, w.promised);
    const commitIndex = w.commitIndex ?? this.deferredCommit;
    if (commitIndex !== undefined) put(`${meta}commitIndex`, commitIndex);
    this.deferredCommit = undefined;
    for (const e of w.accepted) put(this.acc.prefix + slotKey(e.slot), e);
    for (const e of w.chosen) put(this.chosen.prefix + slotKey(e.slot), e);
    if (w.snapshot !== undefined) put(`${meta}snap`, w.snapshot);
    if (w.removed !== undefined) put(`${meta}removed`, w.removed);
    const sync = needsSync(w);
    await batch.write({ sync });
    if (sync) this.batchesWritten += 1;
    this.entriesWritten += w.accepted.length + w.chosen.length;
    if (w.snapshot !== undefined) {
      // After the synced snapshot: a crash in between leaves entries that load() skips.
      const below = slotKey(w.snapshot.index);
      await this.acc.clear({ lt: below });
      await this.chosen.clear({ lt: below });
    }
    return persistReceipt(rd.id);
  }

  get hasDeferredCommit(): boolean {
    return this.deferredCommit !== undefined;
  }

  /** Writes a deferred commit index (unsynced: see needsSync). Not concurrent with persist(). */
  async flushCommit(): Promise<void> {
    if (this.deferredCommit === undefined) return;
    const commitIndex = this.deferredCommit;
    this.deferredCommit = undefined;
    const key = `${this.meta.prefix}commitIndex`;
    await this.db.put(key, seal(key, encoder.encodeSharedRef(commitIndex)));
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

function isBallot(b: unknown): b is Ballot {
  const o = b as Ballot | null;
  return typeof o === 'object' && o !== null && Number.isSafeInteger(o.round) && Number.isSafeInteger(o.node);
}

/** slotKey for a value read back from disk, which may be anything. */
function slotKey0(slot: unknown): string | null {
  return typeof slot === 'number' && Number.isSafeInteger(slot) && slot >= 0 ? slotKey(slot) : null;
}

/** LevelDB's own read errors (a garbled table block) become the same one-line refusal. */
function asStorageError(dir: string, err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const cause = (err as { cause?: { message?: string } }).cause;
  const why = cause?.message ?? (err instanceof Error ? err.message : String(err));
  return new StorageError('corrupt', damagedLine(dir, `LevelDB cannot read it (${why})`));
}

/** One decoder and one encoder for all entries: msgpack's decode()/encode() build one per call. */
const decoder = new Decoder();
const encoder = new Encoder();
/** Values fetched per native call on restart: one await per page, not per entry. */
const LOAD_PAGE = 1024;

/** The value chosen for each slot from the snapshot up to commitIndex, as the brief's replay rule defines it. */
export function chosenPrefix(state: DurableState): ChosenEntry[] {
  const base = state.snapshot?.index ?? 0;
  const chosen = new Map<number, ChosenEntry>();
  for (const e of state.chosen) chosen.set(e.slot, e);
  const accepted = new Map<number, AcceptedEntry>();
  for (const e of state.accepted) accepted.set(e.slot, e);
  const out: ChosenEntry[] = [];
  for (let slot = base; slot < state.commitIndex; slot++) {
    const c = chosen.get(slot);
    const a = accepted.get(slot);
    const value = c?.value ?? a?.value;
    if (value === undefined) throw new StorageError('corrupt', `slot ${slot} is below the commit index but has no value`);
    out.push({ slot, value });
  }
  return out;
}
