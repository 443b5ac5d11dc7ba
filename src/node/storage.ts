// One classic-level DB per node. Layout (keys sort bytewise, so slots are zero-padded):
//   meta!promised -> Ballot, meta!commitIndex -> number
//   acc!<slot>    -> AcceptedEntry   (this acceptor's vote, overwritten by a later ballot)
//   chosen!<slot> -> ChosenEntry     (values learned by catch-up, with no matching vote here)
//   meta!snap     -> Snapshot        (the KV state below snap.index; the log below it is deleted)
// Values are msgpack. Every Ready is one atomic batch, with sync:true when it holds a promise or
// votes: the fsync that lets the Promise/Accepted it vouches for leave the node, shared by every
// entry of that Ready (see needsSync for the writes that need none).
import { Decoder, Encoder } from '@msgpack/msgpack';
import type { AbstractSublevel } from 'abstract-level';
import { ClassicLevel } from 'classic-level';
import { assert } from '../paxos/assert.js';
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

export class StorageError extends Error {
  constructor(
    readonly code: 'locked' | 'open-failed' | 'corrupt',
    message: string,
  ) {
    super(message);
  }
}

type Db = ClassicLevel<string, Uint8Array>;
type Sub = AbstractSublevel<Db, string | Buffer | Uint8Array, string, Uint8Array>;

/** Only the commit index moved: worth no write of its own (the leader would make one per slot). */
function isCommitOnly(w: DurableWrite): w is DurableWrite & { commitIndex: number } {
  return w.commitIndex !== undefined && !needsSync(w);
}

export function isEmptyWrite(w: DurableWrite): boolean {
  return (
    w.promised === undefined && w.commitIndex === undefined && w.accepted.length === 0 && w.chosen.length === 0 && w.snapshot === undefined
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
  return w.promised !== undefined || w.accepted.length > 0 || w.chosen.length > 0 || w.snapshot !== undefined;
}

export class NodeStorage {
  private constructor(
    private readonly db: Db,
    private readonly meta: Sub,
    private readonly acc: Sub,
    private readonly chosen: Sub,
  ) {}

  /** Counters for status and tests: how many synced batches (fsyncs) and entries were written. */
  batchesWritten = 0;
  entriesWritten = 0;
  /**
   * A commit index not yet written: a write that would hold nothing else waits for the next
   * batch or flushCommit(). Losing it in a crash only shortens the prefix replayed on restart.
   */
  private deferredCommit: number | undefined;

  static async open(dir: string): Promise<NodeStorage> {
    const db: Db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
    try {
      await db.open();
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED') {
        throw new StorageError('locked', `data dir ${dir} is in use by another process (is this node already running?)`);
      }
      const why = cause?.message ?? (err instanceof Error ? err.message : String(err));
      throw new StorageError('open-failed', `cannot open data dir ${dir}: ${why}`);
    }
    const sub = (name: string): Sub => db.sublevel<string, Uint8Array>(name, { keyEncoding: 'utf8', valueEncoding: 'view' });
    return new NodeStorage(db, sub('meta'), sub('acc'), sub('chosen'));
  }

  async load(): Promise<DurableState> {
    const promisedRaw = await this.meta.get('promised');
    const commitRaw = await this.meta.get('commitIndex');
    const snapRaw = await this.meta.get('snap');
    const promised = promisedRaw === undefined ? ZERO_BALLOT : (decoder.decode(promisedRaw) as Ballot);
    const commitIndex = commitRaw === undefined ? 0 : (decoder.decode(commitRaw) as number);
    const snapshot = snapRaw === undefined ? undefined : (decoder.decode(snapRaw) as Snapshot);
    if (snapshot !== undefined && (!Number.isSafeInteger(snapshot.index) || !(snapshot.blob instanceof Uint8Array))) {
      throw new StorageError('corrupt', 'corrupt snapshot in data dir');
    }
    // Entries below the snapshot are left only by a crash between its write and their deletion.
    const from = slotKey(snapshot?.index ?? 0);
    const accepted = await readAll<AcceptedEntry>(this.acc, from);
    const chosen = await readAll<ChosenEntry>(this.chosen, from);
    // Our own writes; a mismatch means the DB was damaged or written by something else.
    if (!Number.isSafeInteger(commitIndex) || commitIndex < 0) {
      throw new StorageError('corrupt', `corrupt commit index in data dir: ${String(commitIndex)}`);
    }
    return { promised, accepted, chosen, commitIndex, ...(snapshot !== undefined ? { snapshot } : {}) };
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
    const meta = this.meta.prefix;
    if (w.promised !== undefined) batch.put(`${meta}promised`, encode(w.promised));
    const commitIndex = w.commitIndex ?? this.deferredCommit;
    if (commitIndex !== undefined) batch.put(`${meta}commitIndex`, encode(commitIndex));
    this.deferredCommit = undefined;
    for (const e of w.accepted) batch.put(this.acc.prefix + slotKey(e.slot), encode(e));
    for (const e of w.chosen) batch.put(this.chosen.prefix + slotKey(e.slot), encode(e));
    if (w.snapshot !== undefined) batch.put(`${meta}snap`, encode(w.snapshot));
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
    await this.meta.put('commitIndex', encode(commitIndex));
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** One decoder and one encoder for all entries: msgpack's decode()/encode() build one per call. */
const decoder = new Decoder();
const encoder = new Encoder();
const encode = (v: unknown): Uint8Array => encoder.encode(v);
/** Values fetched per native call on restart: one await per page, not per entry. */
const LOAD_PAGE = 1024;

/** Every value of a sublevel, in key order, decoded. */
async function readAll<T>(sub: Sub, fromKey: string): Promise<T[]> {
  const out: T[] = [];
  const it = sub.values({ gte: fromKey });
  try {
    for (;;) {
      const page = await it.nextv(LOAD_PAGE);
      if (page.length === 0) break;
      for (const v of page) out.push(decoder.decode(v) as T);
    }
  } finally {
    await it.close();
  }
  return out;
}

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
