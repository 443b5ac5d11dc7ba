import type { Ballot } from './types.js';

/** Lexicographic on (round, node): negative, zero or positive like a sort comparator. */
export function compareBallots(a: Ballot, b: Ballot): number {
  return a.round !== b.round ? a.round - b.round : a.node - b.node;
}

export function ballotEquals(a: Ballot, b: Ballot): boolean {
  return a.round === b.round && a.node === b.node;
}

export function maxBallot(a: Ballot, b: Ballot): Ballot {
  return compareBallots(a, b) >= 0 ? a : b;
}

/** "3.2" is round 3 of node 2: short enough for a pane, unambiguous. */
export function formatBallot(b: Ballot): string {
  return `${b.round}.${b.node}`;
}
