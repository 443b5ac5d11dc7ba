// Bounds on every number the core takes from the wire. Each is far below 2^53, so the core's
// +1 arithmetic (the next ballot round, the next slot, a commit index) stays exact; a message
// beyond them is refused (ignored) rather than trusted or asserted on.

/** Highest ballot round a node promises or proposes; a node whose promise reached it stops electing. */
export const MAX_BALLOT_ROUND = 2 ** 48;
/** Highest slot, commit index or snapshot index; catch-up ranges end at most here. */
export const MAX_SLOT = 2 ** 48;
/** Highest node id (ballots of node 0 are the zero ballot). */
export const MAX_NODE_ID = 1_000_000;

export function roundInRange(round: number): boolean {
  return Number.isInteger(round) && round >= 0 && round <= MAX_BALLOT_ROUND;
}

export function slotInRange(slot: number): boolean {
  return Number.isInteger(slot) && slot >= 0 && slot <= MAX_SLOT;
}
