// The slice of the client library the CLI uses, as an interface: the executor and the UI
// poller depend on this, so they can be driven by the real PaxosClient or by a test double
// in UI-only tests (system tests always use the real one).
import { PaxosClient } from '../client/paxos-client.js';
import type { KeyPair } from './keys.js';
import type { ClusterConfig } from './data-dir.js';
import type { MembershipView } from './membership-plan.js';
import type { AcceptedEntry, ChosenEntry } from '../paxos/types.js';
import type { FaultRules } from '../protocol/fault-rules.js';
import type { NodeFileName } from '../protocol/wire.js';
import type { StepAction, StepResult } from '../client/paxos-client.js';

export interface WriteResult {
  readonly slot: number;
  readonly leader: number;
  readonly latencyMs: number;
}
export interface ReadResult extends WriteResult {
  readonly value: string | null;
}
/** A read without a log slot: by read index, or by the leader's lease. */
export interface IndexReadResult {
  readonly value: string | null;
  readonly node: number;
  readonly leader: number | null;
  readonly mode: 'index' | 'lease';
  readonly index: number;
  readonly latencyMs: number;
}
export interface RangePage extends Omit<IndexReadResult, 'value'> {
  readonly entries: readonly (readonly [string, string])[];
  readonly more: boolean;
}
type ReadCall = { timeoutMs?: number; signal?: AbortSignal; mode?: 'index' | 'lease'; from?: number };

export interface LocalReadResult {
  readonly value: string | null;
  readonly appliedIndex: number;
  readonly stale: true;
}
export interface NodeStatus {
  readonly id: number;
  readonly role: string;
  readonly ballot: unknown;
  readonly promised: unknown;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly leader: number | null;
  readonly lastSlot: number;
  /** Digest of the applied state (chaos waits for every node to hold the same one). */
  readonly kvHash?: string;
  /** Fault rules the node enforces (older nodes and test doubles: absent). */
  readonly faults?: FaultRules;
  /** Whether its links are CURVE-authenticated, and how many handshakes it refused. */
  readonly secure?: boolean;
  readonly refusedHandshakes?: number;
  /** Whether it writes its message trace now (older nodes and test doubles: absent). */
  readonly trace?: boolean;
  /** In step mode (clock frozen, peer messages held); absent from older nodes. */
  readonly paused?: boolean;
  /** The configuration as the node knows it, and what it is in it; absent from older nodes. */
  readonly membership?: MembershipView;
}
export interface LogDump {
  readonly chosen: readonly ChosenEntry[];
  readonly accepted: readonly AcceptedEntry[];
  /** Slots below this are compacted into `snapshot` (sent when the range starts below it). */
  readonly snapshotIndex?: number;
  readonly snapshot?: Uint8Array;
}

export interface ClusterClient {
  set(key: string, value: string, call?: { timeoutMs?: number; signal?: AbortSignal }): Promise<WriteResult>;
  get(key: string, call?: { timeoutMs?: number; signal?: AbortSignal }): Promise<ReadResult>;
  /** existed: whether the key was there (undefined from a node that does not say). */
  del(key: string, call?: { timeoutMs?: number; signal?: AbortSignal }): Promise<WriteResult & { readonly existed?: boolean | undefined }>;
  getLocal(nodeId: number, key: string): Promise<LocalReadResult>;
  read(key: string, call?: ReadCall): Promise<IndexReadResult>;
  range(prefix: string, call?: ReadCall & { after?: string; limit?: number }): Promise<RangePage>;
  status(nodeId: number): Promise<NodeStatus>;
  logDump(nodeId: number, fromSlot: number, toSlot: number, opts?: { withSnapshot?: boolean }): Promise<LogDump>;
  /** Fault injection (partition, heal, …); optional so test doubles need not have it. */
  admin?(nodeId: number, action: string, args?: unknown): Promise<FaultRules>;
  /** Message trace on/off from now; resolves with whether the node traces. Optional for test doubles. */
  trace?(nodeId: number, on: boolean): Promise<boolean>;
  /** Step mode (pause, held, deliver, …); optional so test doubles need not have it. */
  step?(nodeId: number, action: StepAction, opts?: { id?: number; n?: number }): Promise<StepResult>;
  /** A chunk of one of a node's log files (attach mirrors them); optional so test doubles need not have it. */
  readFile?(nodeId: number, file: NodeFileName, offset: number, max: number): Promise<{ size: number; ino: number; data: Uint8Array }>;
  /** After a membership change: reach the nodes of `cluster` from now on (SwitchableClient). */
  reopen?(cluster: ClusterConfig): Promise<void>;
  close(): Promise<void>;
}

/** The error codes that mean "between leaders / node unreachable": worth retrying. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(['no-quorum', 'timeout', 'unreachable', 'no-leader', 'not-leader']);

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export async function openClusterClient(cluster: ClusterConfig, opts: { timeoutMs?: number; clientId?: string; auth?: KeyPair | null } = {}): Promise<ClusterClient> {
  const { auth, ...rest } = opts;
  if (auth != null) return new PaxosClient(cluster, { ...rest, auth });
  return new PaxosClient(cluster, rest);
}

/** Ballots arrive as "3.2" or {round, node}; the UI shows "3.2". */
export function formatBallotLike(b: unknown): string {
  if (typeof b === 'string') return b;
  if (typeof b === 'object' && b !== null && 'round' in b && 'node' in b) {
    const o = b as { round: unknown; node: unknown };
    return `${String(o.round)}.${String(o.node)}`;
  }
  return b === undefined || b === null ? '-' : String(b);
}
