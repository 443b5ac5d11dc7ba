// A node's disk in memory for the core's tests and the simulator: the sum of every durable
// write it persisted, handed back to a restarted node.
import { ZERO_BALLOT, type AcceptedEntry, type Ballot, type ChosenEntry, type DurableState, type DurableWrite, type Snapshot } from '../../src/paxos/types.js';

export class MemDisk {
  promised: Ballot = ZERO_BALLOT;
  readonly accepted = new Map<number, AcceptedEntry>();
  readonly chosen = new Map<number, ChosenEntry>();
  commitIndex = 0;
  snapshot: Snapshot | undefined;
  removed: number | undefined;

  persist(w: DurableWrite): void {
    if (w.promised) this.promised = w.promised;
    for (const e of w.accepted) this.accepted.set(e.slot, e);
    for (const e of w.chosen) this.chosen.set(e.slot, e);
    if (w.commitIndex !== undefined) this.commitIndex = w.commitIndex;
    if (w.removed !== undefined) this.removed = w.removed;
    if (w.snapshot !== undefined) {
      // Like storage: the snapshot is written first, then the log below it is deleted.
      const index = w.snapshot.index;
      this.snapshot = w.snapshot;
      for (const slot of this.accepted.keys()) if (slot < index) this.accepted.delete(slot);
      for (const slot of this.chosen.keys()) if (slot < index) this.chosen.delete(slot);
    }
  }

  state(): DurableState {
    return {
      promised: this.promised,
      accepted: [...this.accepted.values()],
      chosen: [...this.chosen.values()],
      commitIndex: this.commitIndex,
      ...(this.snapshot !== undefined ? { snapshot: this.snapshot } : {}),
      ...(this.removed !== undefined ? { removed: this.removed } : {}),
    };
  }
}
