// Attributes leader changes to nodes that rejoin after a partition or a pause. With PreVote and
// CheckQuorum a rejoining node must not depose the majority's sitting leader: after each heal
// where the majority had a stable leader, the watch fails if, within a few ticks, that leader
// loses its ballot or a majority node promises a higher ballot of a rejoining node.
import { ballotEquals, compareBallots, formatBallot } from '../../src/paxos/ballot.js';
import type { Ballot, NodeId } from '../../src/paxos/types.js';

interface Watched {
  readonly leader: NodeId;
  readonly ballot: Ballot;
  readonly until: number;
  readonly rejoined: ReadonlySet<NodeId>;
  readonly majority: ReadonlySet<NodeId>;
}

export class RejoinWatch {
  private stable: { id: NodeId; ballot: Ballot; since: number } | null = null;
  private watched: Watched | null = null;
  heals = 0;
  disruptions = 0;

  constructor(
    private readonly minStableTicks: number,
    private readonly watchTicks: number,
  ) {}

  get watching(): boolean {
    return this.watched !== null;
  }

  cancel(): void {
    this.watched = null;
  }

  /** The highest-ballot leader, if it has led in the same ballot for minStableTicks. */
  stableLeader(tick: number): { id: NodeId; ballot: Ballot } | null {
    return this.stable !== null && tick - this.stable.since >= this.minStableTicks ? this.stable : null;
  }

  /**
   * Called once a tick with every node that believes it leads (a cut-off one may still, in a
   * lower ballot: the highest is the one that counts). Returns a disruption, if any.
   */
  observe(tick: number, leaders: readonly { id: NodeId; ballot: Ballot }[]): string | null {
    let one: { id: NodeId; ballot: Ballot } | undefined;
    for (const l of leaders) if (one === undefined || compareBallots(l.ballot, one.ballot) > 0) one = l;
    if (one === undefined) this.stable = null;
    else if (this.stable === null || this.stable.id !== one.id || !ballotEquals(this.stable.ballot, one.ballot)) {
      this.stable = { id: one.id, ballot: one.ballot, since: tick };
    }
    const w = this.watched;
    if (w === null) return null;
    const still = leaders.some((l) => l.id === w.leader && ballotEquals(l.ballot, w.ballot));
    if (!still) return this.disrupted(`n${w.leader} lost ballot ${formatBallot(w.ballot)} at t${tick} after [${[...w.rejoined].join(',')}] rejoined`);
    if (tick >= w.until) this.watched = null;
    return null;
  }

  /** A partition ended: `rejoined` were cut off from `majority`. */
  healed(tick: number, rejoined: ReadonlySet<NodeId>, majority: ReadonlySet<NodeId>): boolean {
    const leader = this.stableLeader(tick);
    if (leader === null || !majority.has(leader.id)) return false;
    this.watched = { leader: leader.id, ballot: leader.ballot, until: tick + this.watchTicks, rejoined, majority };
    this.heals += 1;
    return true;
  }

  /** `node` persisted a promise of `ballot`. */
  promised(node: NodeId, ballot: Ballot): string | null {
    const w = this.watched;
    if (w === null || !w.majority.has(node) || !w.rejoined.has(ballot.node) || compareBallots(ballot, w.ballot) <= 0) return null;
    return this.disrupted(`n${node} promised ${formatBallot(ballot)} of rejoining n${ballot.node} over leader n${w.leader} ${formatBallot(w.ballot)}`);
  }

  private disrupted(why: string): string {
    this.watched = null;
    this.disruptions += 1;
    return why;
  }
}
