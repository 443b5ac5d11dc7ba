// What the load generator needs from a system under test: durable writes and linearizable
// reads. Both paxos-cli and etcd are driven through this one interface, so they are measured
// by the same loop, the same clock and the same percentile code.

export interface WriteAck {
  /** Position of the write in the system's total order (paxos slot, etcd revision). */
  readonly order: number;
}

export interface BenchTarget {
  /** "paxos" or "etcd": printed in the report. */
  readonly name: string;
  /** Resolves only once the write is acknowledged as durable on a quorum. */
  set(key: string, value: string): Promise<WriteAck>;
  /** A linearizable read. */
  get(key: string): Promise<string | null>;
  /**
   * The value the last write to `key` within position `order` left, when one position can hold
   * several writes (a paxos slot is a batch of commands); undefined if the target cannot tell.
   */
  lastValueAt?(key: string, order: number): Promise<string | null | undefined>;
  /** CPU seconds used so far by each server process on this machine (null entries if unknown). */
  serverCpuSeconds?(): Promise<(number | null)[]>;
  /** Extra facts for the report (node count, RSS, data dir size...), gathered after the run. */
  describe(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export class BenchError extends Error {
  constructor(
    readonly code: 'bad-option' | 'no-cluster' | 'unreachable' | 'not-supported',
    message: string,
  ) {
    super(message);
  }
}
