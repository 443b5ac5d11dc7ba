// Linearizable reads without a log slot. The core hands out read indexes (a heartbeat round
// confirmed by a quorum); here reads wait for the state machine to reach their index, and the
// leader's lease lets it skip the round while no other node can have been elected.
import type { Ballot } from '../paxos/types.js';
import type { ReadMode } from '../protocol/wire.js';

/**
 * The share of the followers' minimum election timeout a lease lasts, counted from before the
 * heartbeat round that confirmed it was sent. A follower that answered that round refuses to
 * help elect anyone for the whole timeout after it heard it (its own ticks, which a pause only
 * slows); the rest (30 %) is the margin for timer jitter and clock-rate differences.
 */
export const LEASE_FRACTION = 0.7;

/**
 * The leader's lease, on this process's monotonic clock: rounds are dated before the call that
 * created them, so a round's date is never later than its heartbeats left. A leader frozen
 * (SIGSTOP) past its lease finds it expired when it wakes, whatever its ticks say.
 */
export class ReadLease {
  private ballot: Ballot | null = null;
  private lastRound = 0;
  private confirmed = 0;
  private readonly sentAt = new Map<number, number>();
  private until = 0;
  private suspended = false;
  private handingOver = false;

  constructor(private readonly leaseMs: number) {}

  /**
   * After any call into the core: `before` is the clock read before that call; `ballot` is null
   * when not leading. Rounds started in the call get `before` as their date.
   */
  observe(before: number, ballot: Ballot | null, round: number, confirmed: number): void {
    if (ballot?.round !== this.ballot?.round || ballot?.node !== this.ballot?.node || round < this.lastRound) {
      this.ballot = ballot;
      this.lastRound = 0;
      this.confirmed = 0;
      this.sentAt.clear();
      this.until = 0;
    }
    if (ballot === null) return;
    if (round > this.lastRound) {
      this.sentAt.set(round, before);
      this.lastRound = round;
    }
    if (confirmed <= this.confirmed) return;
    this.confirmed = confirmed;
    // The newest dated round at or below the confirmed one: an undated round in between started
    // later than that date, so using it only shortens the lease.
    let date: number | undefined;
    for (const [r, t] of this.sentAt) {
      if (r <= confirmed) {
        date = t;
        this.sentAt.delete(r);
      }
    }
    if (date !== undefined) {
      this.until = Math.max(this.until, date + this.leaseMs);
      this.sentAt.set(confirmed, date);
    }
  }

  /**
   * After any call into the core (`before`: the clock read before it): no lease while it hands
   * over (a transfer, or a removed leader leaving: core.leaseBallot is null then), and rounds
   * begun meanwhile never count. The runtime and the simulator both drive the lease this way.
   */
  follow(
    before: number,
    core: { readonly role: string; readonly ballot: Ballot; readonly leaseBallot: Ballot | null; readonly readRoundNow: number; readonly confirmedReadRound: number },
  ): void {
    const leading = core.role === 'leader';
    this.setHandingOver(leading && core.leaseBallot === null);
    this.observe(before, leading ? core.ballot : null, core.readRoundNow, core.confirmedReadRound);
  }

  valid(now: number): boolean {
    return !this.suspended && !this.handingOver && this.ballot !== null && now < this.until;
  }

  /**
   * Leadership transfer (core.transferringTo !== null): the target's Prepare is granted by
   * followers still within our lease, so no lease while one is under way. Call it before any
   * read is served after a call into the core (the timeout-now may leave in that call's Ready).
   * When the transfer ends without a new ballot, only rounds started afterwards renew the lease.
   */
  setHandingOver(on: boolean): void {
    if (on === this.handingOver) return;
    this.handingOver = on;
    this.sentAt.clear();
    this.until = 0;
  }

  /**
   * Step mode: no lease while the cluster is paused (followers then promise a stranger at once),
   * and after it none from a round dated before the change: only rounds started afterwards renew.
   */
  setSuspended(on: boolean): void {
    this.suspended = on;
    this.sentAt.clear();
    this.until = 0;
  }

  /** What a status line shows: ms of lease left (0 when none). */
  remainingMs(now: number): number {
    return this.valid(now) ? Math.round(this.until - now) : 0;
  }
}

export interface WaitingRead<T> {
  readonly index: number;
  readonly mode: ReadMode;
  readonly deadline: number;
  readonly waiter: T;
}

/** Reads with an index, waiting until the state machine has applied up to it. */
export class AppliedWaiters<T> {
  private waiting: WaitingRead<T>[] = [];

  get size(): number {
    return this.waiting.length;
  }

  add(read: WaitingRead<T>): void {
    this.waiting.push(read);
  }

  /** The reads whose index `applied` has reached, removed. */
  takeReady(applied: number): WaitingRead<T>[] {
    if (this.waiting.length === 0) return [];
    const ready = this.waiting.filter((r) => r.index <= applied);
    if (ready.length > 0) this.waiting = this.waiting.filter((r) => r.index > applied);
    return ready;
  }

  /** The reads past their deadline, removed. */
  takeExpired(now: number): WaitingRead<T>[] {
    const expired = this.waiting.filter((r) => r.deadline <= now);
    if (expired.length > 0) this.waiting = this.waiting.filter((r) => r.deadline > now);
    return expired;
  }
}
