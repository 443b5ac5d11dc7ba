// The wire format between nodes and between clients and nodes: one msgpack frame per message,
// versioned, and validated by zod the moment it arrives. Nothing past this module sees bytes.
import { Decoder, Encoder } from '@msgpack/msgpack';
import { z } from 'zod';
import { MAX_BALLOT_ROUND, MAX_NODE_ID, MAX_SLOT } from '../paxos/limits.js';
import { configProblem, MAX_DEPARTED, MAX_LEARNERS, MAX_VOTERS } from '../paxos/membership.js';
import type { AcceptedEntry, ChosenEntry, Command, Message, NodeId, Role } from '../paxos/types.js';
import { faultRulesSchema, type FaultRules } from './fault-rules.js';

export const WIRE_VERSION = 1;
/** Checked before decoding: msgpack could otherwise be asked to build something huge. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;
export const MAX_KEY_BYTES = 1024;
export const MAX_VALUE_BYTES = 64 * 1024;
/** Snapshots (and log dumps of them) move in chunks of this size, well below the frame limit. */
export const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;
/** A peer may not make a node gather a snapshot larger than this. */
export const MAX_SNAPSHOT_BYTES = 1024 * 1024 * 1024;
/** How a read is made linearizable: a heartbeat round (index) or the leader's lease. */
export const READ_MODES = ['index', 'lease'] as const;
export const STEP_ACTIONS = ['pause', 'resume', 'held', 'deliver', 'drop', 'tick', 'elect'] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];
export const MAX_STEP_TICKS = 1000;
/** A step reply lists at most this many held messages (heldTotal counts them all). */
export const MAX_HELD_LISTED = 1000;
export type ReadMode = (typeof READ_MODES)[number];
/** A range answer holds at most this many entries and about this many bytes; `more` says if cut. */
export const MAX_RANGE_ENTRIES = 1000;
export const MAX_RANGE_BYTES = 1024 * 1024;
/** A `file-read` answer carries at most this much of a node's log file. */
export const MAX_FILE_CHUNK = 1024 * 1024;
/** The files `file-read` serves, by name: the event log and the message trace, each with its rotated part. */
export const NODE_FILES = ['events', 'events-old', 'messages', 'messages-old'] as const;
export type NodeFileName = (typeof NODE_FILES)[number];
/** Bounds every array on the wire (entries per message, commands per batch). */
const MAX_ITEMS = 100_000;

const decoder = new Decoder({
  maxStrLength: MAX_FRAME_BYTES,
  maxBinLength: MAX_FRAME_BYTES,
  maxArrayLength: MAX_ITEMS,
  maxMapLength: 64,
  maxExtLength: 0,
});

const uint = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Slots, commit and snapshot indexes, catch-up ranges: the core's bound, so +1 stays exact. */
const slot = uint.max(MAX_SLOT);
const nodeId = z.number().int().min(1).max(MAX_NODE_ID);
const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const key = z.string().min(1).refine((s) => utf8Bytes(s) <= MAX_KEY_BYTES, 'key too long');
const text = z.string().refine((s) => utf8Bytes(s) <= MAX_VALUE_BYTES, 'value too long');
const clientId = z.string().min(1).max(128);

export const ballotSchema = z.object({ round: uint.max(MAX_BALLOT_ROUND), node: z.number().int().min(0).max(MAX_NODE_ID) });

const commandSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('set'), key, value: text, clientId, seq: uint }),
  z.object({ op: z.literal('del'), key, clientId, seq: uint }),
  z.object({ op: z.literal('get'), key, clientId, seq: uint }),
]);

/** A member as a configuration names it; the core re-checks the whole configuration (configProblem). */
export const memberSchema = z.object({
  id: nodeId,
  voter: z.boolean(),
  host: z.string().max(253),
  port: z.number().int().min(0).max(65535),
  publicKey: z.string().length(40).optional(),
});
const membersSchema = z
  .array(memberSchema)
  .max(MAX_VOTERS + MAX_LEARNERS)
  .refine((m) => configProblem(m) === null, 'not a valid configuration');

const valueSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('noop') }),
  z.object({ kind: z.literal('batch'), cmds: z.array(commandSchema).max(MAX_ITEMS) }),
  z.object({ kind: z.literal('config'), members: membersSchema }),
]);

const configEntrySchema = z.object({ slot: z.number().int().min(-1).max(MAX_SLOT), activeFrom: slot, members: membersSchema });
const membershipStateSchema = z.object({
  configs: z.array(configEntrySchema).min(1).max(9),
  departed: z.array(z.object({ id: nodeId, until: slot })).max(MAX_DEPARTED).optional(),
});

const chosenEntrySchema = z.object({ slot, value: valueSchema });
const acceptedEntrySchema = z.object({ slot, ballot: ballotSchema, value: valueSchema });
const envelope = { from: nodeId, to: nodeId };

export const messageSchema = z.discriminatedUnion('type', [
  z.object({ ...envelope, type: z.literal('prepare'), ballot: ballotSchema, fromSlot: slot, transfer: ballotSchema.optional() }),
  z.object({ ...envelope, type: z.literal('timeout-now'), ballot: ballotSchema }),
  z.object({
    ...envelope,
    type: z.literal('promise'),
    ballot: ballotSchema,
    fromSlot: slot,
    accepted: z.array(acceptedEntrySchema).max(MAX_ITEMS),
    commitIndex: slot,
    chosen: z.array(chosenEntrySchema).max(MAX_ITEMS),
  }),
  z.object({ ...envelope, type: z.literal('nack'), ballot: ballotSchema, promised: ballotSchema }),
  z.object({
    ...envelope,
    type: z.literal('accept'),
    ballot: ballotSchema,
    entries: z.array(chosenEntrySchema).max(MAX_ITEMS),
    commitIndex: slot,
  }),
  z.object({ ...envelope, type: z.literal('accepted'), ballot: ballotSchema, slots: z.array(slot).max(MAX_ITEMS), read: slot.optional(), commitIndex: slot.optional() }),
  z.object({ ...envelope, type: z.literal('heartbeat'), ballot: ballotSchema, commitIndex: slot, read: slot.optional(), transferTo: nodeId.optional() }),
  z.object({ ...envelope, type: z.literal('read-req'), id: slot }),
  z.object({ ...envelope, type: z.literal('read-resp'), id: slot, index: slot.nullable() }),
  z.object({ ...envelope, type: z.literal('prevote'), ballot: ballotSchema, commitIndex: slot }),
  z.object({ ...envelope, type: z.literal('prevote-resp'), ballot: ballotSchema, granted: z.boolean(), commitIndex: slot.optional() }),
  z.object({ ...envelope, type: z.literal('catchup-req'), fromSlot: slot, toSlot: slot }),
  z.object({
    ...envelope,
    type: z.literal('catchup-resp'),
    entries: z.array(chosenEntrySchema).max(MAX_ITEMS),
    commitIndex: slot,
  }),
  // A KV snapshot travels in chunks of at most SNAPSHOT_CHUNK_BYTES, so its size has no frame limit.
  z.object({
    ...envelope,
    type: z.literal('snapshot'),
    snapshotIndex: slot,
    offset: uint.max(MAX_SNAPSHOT_BYTES),
    total: uint.max(MAX_SNAPSHOT_BYTES),
    chunk: z.instanceof(Uint8Array).refine((c) => c.byteLength <= SNAPSHOT_CHUNK_BYTES, 'snapshot chunk too large'),
    membership: membershipStateSchema,
  }),
]);

// Compile-time proof that what the schemas accept is what the core expects.
type Assignable<T, U extends T> = U;
export type _MessageCheck = Assignable<Message, z.infer<typeof messageSchema>>;
export type _CommandCheck = Assignable<Command, z.infer<typeof commandSchema>>;

// ---- client requests ----

export const requestSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('set'), key, value: text, clientId, seq: uint }),
  z.object({ op: z.literal('del'), key, clientId, seq: uint }),
  z.object({ op: z.literal('get'), key, clientId, seq: uint }),
  z.object({ op: z.literal('get-local'), key }),
  // Linearizable reads without a log slot: by read index (default) or, at the leader, by lease.
  z.object({ op: z.literal('read'), key, mode: z.enum(READ_MODES).optional() }),
  z.object({
    op: z.literal('range'),
    prefix: z.string().refine((s) => utf8Bytes(s) <= MAX_KEY_BYTES, 'prefix too long'),
    after: key.optional(),
    limit: uint.min(1).max(MAX_RANGE_ENTRIES).optional(),
    mode: z.enum(READ_MODES).optional(),
  }),
  z.object({ op: z.literal('status') }),
  // snapshotOffset: which chunk of the node's snapshot to send along (when from is below it);
  // withSnapshot false: none (the UI's log view only wants the slots).
  z.object({ op: z.literal('log-dump'), from: uint, to: uint, snapshotOffset: uint.optional(), withSnapshot: z.boolean().optional() }),
  // Fault injection (see fault-rules.ts for the actions and their args).
  z.object({ op: z.literal('admin'), action: z.string().max(64), args: z.unknown().optional() }),
  // Step mode (step-mode.ts): id names a held message; n is a tick count.
  z.object({ op: z.literal('step'), action: z.enum(STEP_ACTIONS), id: uint.optional(), n: uint.min(1).max(MAX_STEP_TICKS).optional() }),
  // A chunk of one of the node's own log files (attach mirrors them): only these names, never a path.
  z.object({ op: z.literal('file-read'), file: z.enum(NODE_FILES), offset: uint, max: uint.min(1).max(MAX_FILE_CHUNK) }),
]);
export type ClientRequest = z.infer<typeof requestSchema>;

// ---- replies ----

export const ERROR_CODES = ['not-leader', 'no-quorum', 'bad-request', 'unsupported', 'shutting-down', 'busy'] as const;
export type NodeErrorCode = (typeof ERROR_CODES)[number];

/** linkUpMsAgo: since the link on which this peer's messages arrive came up (null: down). */
const peerStatusSchema = z.object({ id: nodeId, lastHeardMsAgo: uint.nullable(), linkUpMsAgo: uint.nullable().optional() });

const heldInfoSchema = z.object({
  id: uint,
  type: z.string().max(32),
  from: nodeId,
  to: nodeId,
  ballot: z.string().max(40).optional(),
  slots: z.tuple([uint, uint]).optional(),
  n: uint.optional(),
  bytes: uint,
  heldAt: z.number(),
});
export interface HeldInfo {
  readonly id: number;
  readonly type: string;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly ballot?: string;
  readonly slots?: readonly [number, number];
  readonly n?: number;
  readonly bytes: number;
  readonly heldAt: number;
}

const configStatusSchema = z.object({
  /** The slot it was chosen in (-1: the cluster's first configuration) and the first slot it rules. */
  slot: z.number().int().min(-1).max(MAX_SLOT),
  activeFrom: slot,
  voters: z.array(nodeId).max(MAX_VOTERS),
  learners: z.array(nodeId).max(MAX_LEARNERS),
});

/** Who decides now, what is chosen to decide next, what this node is, and a hand-over under way. */
export const membershipStatusSchema = z.object({
  self: z.enum(['voter', 'learner', 'removed', 'joining', 'leaving']),
  inForce: configStatusSchema,
  next: configStatusSchema.nullable(),
  /** The node this leader is handing leadership to, while it does. */
  transferTo: nodeId.nullable(),
});
export type MembershipStatus = z.infer<typeof membershipStatusSchema>;

export const statusSchema = z.object({
  id: nodeId,
  role: z.enum(['follower', 'candidate', 'leader']),
  // Not the peer bound: a node restored with an out-of-range promise must still be able to show it.
  ballot: z.object({ round: uint, node: nodeId.or(z.literal(0)) }),
  promised: z.object({ round: uint, node: nodeId.or(z.literal(0)) }),
  commitIndex: uint,
  appliedIndex: uint,
  lastSlot: z.number().int(),
  leader: nodeId.nullable(),
  peers: z.array(peerStatusSchema).max(1000),
  badFrames: z.record(z.string(), uint),
  badFramesTotal: uint,
  sendDrops: uint,
  /** Synced batches written, and entries in them: entries per fsync shows the batching. */
  fsyncs: uint,
  entriesPersisted: uint,
  kvHash: z.string(),
  kvSize: uint,
  uptimeMs: uint,
  pid: uint,
  /** The fault rules this node enforces, and the peer messages they dropped. */
  faults: faultRulesSchema.optional(),
  faultDrops: uint.optional(),
  /** Whether links are CURVE-authenticated, and how many handshakes were refused (unknown keys, no CURVE). */
  secure: z.boolean().optional(),
  refusedHandshakes: uint.optional(),
  /** Whether it writes its message trace (messages.ndjson) now. */
  trace: z.boolean().optional(),
  /** In step mode: clock frozen, peer messages held. */
  paused: z.boolean().optional(),
  membership: membershipStatusSchema,
});
export type NodeStatus = z.infer<typeof statusSchema>;
export type _RoleCheck = Assignable<Role, NodeStatus['role']>;

export const replySchema = z.union([
  z.object({
    ok: z.literal(true),
    op: z.enum(['set', 'del', 'get']),
    slot: uint,
    value: z.string().nullable(),
    duplicate: z.boolean(),
    leader: nodeId,
    // del only: whether the key was there. Optional both ways: older nodes do not send it.
    existed: z.boolean().optional(),
  }),
  z.object({
    ok: z.literal(true),
    op: z.literal('get-local'),
    node: nodeId,
    value: z.string().nullable(),
    stale: z.literal(true),
    appliedIndex: uint,
  }),
  z.object({
    ok: z.literal(true),
    op: z.literal('read'),
    node: nodeId,
    leader: nodeId.nullable(),
    mode: z.enum(READ_MODES),
    index: uint,
    value: z.string().nullable(),
  }),
  z.object({
    ok: z.literal(true),
    op: z.literal('range'),
    node: nodeId,
    leader: nodeId.nullable(),
    mode: z.enum(READ_MODES),
    index: uint,
    entries: z.array(z.tuple([z.string(), z.string()])).max(MAX_RANGE_ENTRIES),
    more: z.boolean(),
  }),
  z.object({ ok: z.literal(true), op: z.literal('status'), status: statusSchema }),
  // trace: in answer to the admin action `trace`, whether the node traces now.
  z.object({ ok: z.literal(true), op: z.literal('admin'), faults: faultRulesSchema, trace: z.boolean().optional() }),
  z.object({
    ok: z.literal(true),
    op: z.literal('step'),
    node: nodeId,
    paused: z.boolean(),
    held: z.array(heldInfoSchema).max(MAX_HELD_LISTED),
    heldTotal: uint,
    effects: z.array(z.string().max(400)).max(400),
  }),
  z.object({
    ok: z.literal(true),
    op: z.literal('log-dump'),
    from: uint,
    to: uint,
    commitIndex: uint,
    chosen: z.array(chosenEntrySchema).max(MAX_ITEMS),
    accepted: z.array(acceptedEntrySchema).max(MAX_ITEMS),
    snapshotIndex: uint,
    snapshot: z.instanceof(Uint8Array).optional(),
    snapshotOffset: uint.optional(),
    snapshotBytes: uint.optional(),
  }),
  z.object({ ok: z.literal(true), op: z.literal('file-read'), file: z.enum(NODE_FILES), size: uint, ino: uint, offset: uint, data: z.instanceof(Uint8Array).refine((d) => d.byteLength <= MAX_FILE_CHUNK, 'chunk too large') }),
  z.object({ ok: z.literal(false), code: z.enum(ERROR_CODES), message: z.string(), leader: nodeId.nullable() }),
]);
export type ErrorReply = { ok: false; code: NodeErrorCode; message: string; leader: NodeId | null };
// Written out by hand (readonly arrays) so the node can hand the core's entries over unchanged.
export type Reply =
  | { ok: true; op: 'set' | 'del' | 'get'; slot: number; value: string | null; duplicate: boolean; leader: NodeId; existed?: boolean }
  | { ok: true; op: 'get-local'; node: NodeId; value: string | null; stale: true; appliedIndex: number }
  | { ok: true; op: 'read'; node: NodeId; leader: NodeId | null; mode: ReadMode; index: number; value: string | null }
  | { ok: true; op: 'range'; node: NodeId; leader: NodeId | null; mode: ReadMode; index: number; entries: [string, string][]; more: boolean }
  | { ok: true; op: 'status'; status: NodeStatus }
  | { ok: true; op: 'admin'; faults: FaultRules; trace?: boolean }
  | { ok: true; op: 'step'; node: NodeId; paused: boolean; held: HeldInfo[]; heldTotal: number; effects: string[] }
  | {
      ok: true;
      op: 'log-dump';
      from: number;
      to: number;
      commitIndex: number;
      chosen: readonly ChosenEntry[];
      /** Every accepted entry (vote) in the range, chosen or not: the UI shows ballots and the uncommitted tail. */
      accepted: readonly AcceptedEntry[];
      /** Slots below this are compacted into a KV snapshot, sent along when the range starts below it. */
      snapshotIndex: number;
      /** Bytes [snapshotOffset, +snapshot.length) of the snapshot's snapshotBytes (one chunk at most). */
      snapshot?: Uint8Array;
      snapshotOffset?: number;
      snapshotBytes?: number;
    }
  /**
   * Bytes [offset, offset + data.length) of the file, which holds `size` bytes now. `ino` tells
   * a rotation (the file renamed to its old part keeps its inode) from growth. 0: no file.
   */
  | { ok: true; op: 'file-read'; file: NodeFileName; size: number; ino: number; offset: number; data: Uint8Array }
  | ErrorReply;
export type _ReplyCheck = Assignable<Reply, z.infer<typeof replySchema>>;
export type _EntryCheck = Assignable<ChosenEntry, z.infer<typeof chosenEntrySchema>>;
export type _AcceptedCheck = Assignable<AcceptedEntry, z.infer<typeof acceptedEntrySchema>>;

// ---- frames ----

/**
 * Requests and replies also travel in batches ('reqs', 'ress'): a client with many operations in
 * flight sends one frame per event-loop turn, and the leader answers a whole chosen batch with
 * one frame per client, instead of one ZeroMQ message (and wakeup) per operation.
 */
export const MAX_BATCH_ITEMS = 1024;

const frameSchema = z.discriminatedUnion('k', [
  // lc: the sender's Lamport clock (message trace); optional so a frame without one is still taken.
  z.object({ v: z.literal(WIRE_VERSION), k: z.literal('peer'), lc: uint.max(MAX_BALLOT_ROUND).optional(), m: messageSchema }),
  z.object({ v: z.literal(WIRE_VERSION), k: z.literal('req'), id: uint, req: requestSchema }),
  z.object({ v: z.literal(WIRE_VERSION), k: z.literal('res'), id: uint, res: replySchema }),
  z.object({
    v: z.literal(WIRE_VERSION),
    k: z.literal('ress'),
    ress: z.array(z.object({ id: uint, res: replySchema })).min(1).max(MAX_BATCH_ITEMS),
  }),
]);
/** A 'reqs' frame's shell: each request in it is checked on its own, so one bad item spoils only itself. */
const requestsShellSchema = z.object({
  v: z.literal(WIRE_VERSION),
  k: z.literal('reqs'),
  reqs: z.array(z.unknown()).min(1).max(MAX_BATCH_ITEMS),
});
const requestItemSchema = z.object({ id: uint, req: z.unknown() });

export interface RequestItem {
  readonly id: number;
  readonly req: ClientRequest;
}
export interface ReplyItem {
  readonly id: number;
  readonly res: Reply;
}
export type Frame =
  | { v: typeof WIRE_VERSION; k: 'peer'; lc?: number; m: Message }
  | { v: typeof WIRE_VERSION; k: 'req'; id: number; req: ClientRequest }
  | { v: typeof WIRE_VERSION; k: 'res'; id: number; res: Reply }
  | { v: typeof WIRE_VERSION; k: 'reqs'; reqs: readonly RequestItem[] }
  | { v: typeof WIRE_VERSION; k: 'ress'; ress: readonly ReplyItem[] };
export type _FrameCheck = Assignable<Exclude<Frame, { k: 'reqs' }>, z.infer<typeof frameSchema>>;

/** Why a frame was refused; these are the keys of the bad-frame counters in status. */
export type BadFrameKind =
  | 'oversized'
  | 'multipart'
  | 'undecodable'
  | 'bad-version'
  | 'unknown-kind'
  | 'invalid'
  | 'forged'
  | 'misaddressed'
  | 'unexpected';

export type Decoded =
  /**
   * invalid: the requests of a 'reqs' frame that failed their check, each answered bad-request
   * (id null: not even its id could be read, so it cannot be answered).
   */
  | { ok: true; frame: Frame; invalid?: readonly { id: number | null; detail: string }[] }
  /** reqId: set when a client request was recognisable enough to be answered with bad-request. */
  | { ok: false; kind: BadFrameKind; detail: string; reqId?: number };

export function decodeFrame(bytes: Uint8Array): Decoded {
  if (bytes.byteLength > MAX_FRAME_BYTES) {
    return { ok: false, kind: 'oversized', detail: `${bytes.byteLength} bytes > ${MAX_FRAME_BYTES}` };
  }
  let raw: unknown;
  try {
    raw = decoder.decode(bytes);
  } catch (err) {
    return { ok: false, kind: 'undecodable', detail: err instanceof Error ? err.message : String(err) };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, kind: 'invalid', detail: 'frame is not a map' };
  }
  const head = raw as { v?: unknown; k?: unknown; id?: unknown };
  if (head.v !== WIRE_VERSION) return { ok: false, kind: 'bad-version', detail: `version ${String(head.v)}` };
  if (head.k !== 'peer' && head.k !== 'req' && head.k !== 'res' && head.k !== 'reqs' && head.k !== 'ress') {
    return { ok: false, kind: 'unknown-kind', detail: `kind ${String(head.k)}` };
  }
  if (head.k === 'reqs') return decodeRequests(raw);
  const parsed = frameSchema.safeParse(raw);
  if (!parsed.success) {
    const where = describeIssue(parsed.error.issues);
    const id = head.id;
    const answerable = head.k === 'req' && typeof id === 'number' && Number.isSafeInteger(id) && id >= 0;
    return answerable ? { ok: false, kind: 'invalid', detail: where, reqId: id } : { ok: false, kind: 'invalid', detail: where };
  }
  return { ok: true, frame: parsed.data };
}

function decodeRequests(raw: unknown): Decoded {
  const shell = requestsShellSchema.safeParse(raw);
  if (!shell.success) return { ok: false, kind: 'invalid', detail: describeIssue(shell.error.issues) };
  const reqs: RequestItem[] = [];
  const invalid: { id: number | null; detail: string }[] = [];
  for (const raw of shell.data.reqs) {
    const item = requestItemSchema.safeParse(raw);
    if (!item.success) {
      invalid.push({ id: null, detail: `request item: ${describeIssue(item.error.issues)}` });
      continue;
    }
    const r = requestSchema.safeParse(item.data.req);
    if (r.success) reqs.push({ id: item.data.id, req: r.data });
    else invalid.push({ id: item.data.id, detail: describeIssue(r.error.issues) });
  }
  const frame: Frame = { v: WIRE_VERSION, k: 'reqs', reqs };
  return invalid.length === 0 ? { ok: true, frame } : { ok: true, frame, invalid };
}

function describeIssue(issues: readonly z.core.$ZodIssue[]): string {
  const issue = issues[0];
  return issue ? `${issue.path.join('.')}: ${issue.message}` : 'schema mismatch';
}

/** One encoder for every frame: msgpack's encode() builds a new one (and a new buffer) per call. */
const encoder = new Encoder();

export function encodeFrame(frame: Frame): Uint8Array {
  return encoder.encode(frame);
}

export const peerFrame = (m: Message): Frame => ({ v: WIRE_VERSION, k: 'peer', m });

/**
 * A peer frame with `to` as its very last field: the same message for another peer then differs
 * only in those last bytes, so the leader encodes a batch of Accepts once, not once per peer.
 */
export function encodePeerFrame(m: Message, lc = 0): Uint8Array {
  const { to, ...rest } = m;
  return encoder.encode({ v: WIRE_VERSION, k: 'peer', lc, m: { ...rest, to } });
}

/** encodePeerFrame(m) turned into encodePeerFrame({ ...m, to }), given m.to as `from`. */
export function readdressPeerFrame(bytes: Uint8Array, from: NodeId, to: NodeId): Uint8Array {
  const oldTail = encoder.encode(from);
  const newTail = encoder.encode(to);
  const head = bytes.byteLength - oldTail.byteLength;
  for (let i = 0; i < oldTail.byteLength; i++) {
    if (bytes[head + i] !== oldTail[i]) throw new Error(`readdressPeerFrame: frame does not end with recipient ${from}`);
  }
  const out = new Uint8Array(head + newTail.byteLength);
  out.set(bytes.subarray(0, head));
  out.set(newTail, head);
  return out;
}
export const requestFrame = (id: number, req: ClientRequest): Frame => ({ v: WIRE_VERSION, k: 'req', id, req });
export const replyFrame = (id: number, res: Reply): Frame => ({ v: WIRE_VERSION, k: 'res', id, res });
/** One request or reply goes in its plain frame; more in one batch frame. */
export const requestsFrame = (reqs: readonly RequestItem[]): Frame =>
  reqs.length === 1 ? requestFrame(reqs[0]!.id, reqs[0]!.req) : { v: WIRE_VERSION, k: 'reqs', reqs };
export const repliesFrame = (ress: readonly ReplyItem[]): Frame =>
  ress.length === 1 ? replyFrame(ress[0]!.id, ress[0]!.res) : { v: WIRE_VERSION, k: 'ress', ress };

export function errorReply(code: NodeErrorCode, message: string, leader: NodeId | null = null): ErrorReply {
  return { ok: false, code, message, leader };
}
