// The simulator's own account of who decides each slot, kept from the values a quorum truly
// accepted (the ghost's chosen slots), never from what any node believes: a node that counts
// its quorum in the wrong configuration is caught by it.
import { CONFIG_WINDOW, MembershipLog } from '../../src/paxos/membership.js';
import type { Member, Value } from '../../src/paxos/types.js';

export class GhostConfigs {
  private readonly log: MembershipLog;
  private readonly values = new Map<number, Value>();
  /** Slots below this are all chosen: the configurations they hold are known. */
  private prefix = 0;

  constructor(genesis: readonly Member[]) {
    this.log = MembershipLog.genesis(genesis, CONFIG_WINDOW);
  }

  /** A slot was chosen (a quorum of its configuration accepted `value` in one ballot). */
  chosen(slot: number, value: Value): void {
    this.values.set(slot, value);
    for (let v = this.values.get(this.prefix); v !== undefined; v = this.values.get(this.prefix)) {
      if (v.kind === 'config') this.log.onChosen(this.prefix, v.members);
      this.values.delete(this.prefix);
      this.prefix += 1;
    }
  }

  /** Who decides `slot`, or null while a slot that could change it is undecided. */
  membersOf(slot: number): readonly Member[] | null {
    if (slot - CONFIG_WINDOW >= this.prefix) return null;
    return this.log.at(slot).members;
  }
}
