import { compareBallots } from './ballot.js';
import type { Ballot } from './types.js';

/**
 * The two acceptor rules of Paxos, as a seam: production uses `paxosAcceptor`; a test may
 * inject a broken one to prove the simulator's checks catch the resulting safety violation.
 */
export interface AcceptorPolicy {
  mayPromise(promised: Ballot, ballot: Ballot): boolean;
  mayAccept(promised: Ballot, ballot: Ballot): boolean;
}

export const paxosAcceptor: AcceptorPolicy = Object.freeze({
  // Equal is allowed so a duplicated Prepare or Accept of the same ballot is answered again.
  mayPromise: (promised: Ballot, ballot: Ballot) => compareBallots(ballot, promised) >= 0,
  mayAccept: (promised: Ballot, ballot: Ballot) => compareBallots(ballot, promised) >= 0,
});
