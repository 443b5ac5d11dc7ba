import { describe, expect, it } from 'vitest';
import { ballotEquals, compareBallots, formatBallot, maxBallot } from '../../src/paxos/ballot.js';
import { isQuorum, quorumSize } from '../../src/paxos/quorum.js';

describe('ballots', () => {
  it.each([
    [{ round: 1, node: 1 }, { round: 1, node: 2 }, -1],
    [{ round: 2, node: 1 }, { round: 1, node: 9 }, 1],
    [{ round: 3, node: 2 }, { round: 3, node: 2 }, 0],
    [{ round: 0, node: 0 }, { round: 0, node: 1 }, -1],
  ])('orders %j against %j by round, then node', (a, b, sign) => {
    expect(Math.sign(compareBallots(a, b))).toBe(sign);
    expect(Math.sign(compareBallots(b, a))).toBe(sign === 0 ? 0 : -sign);
  });
  it('formats, compares and takes the maximum', () => {
    expect(formatBallot({ round: 3, node: 2 })).toBe('3.2');
    expect(ballotEquals({ round: 3, node: 2 }, { round: 3, node: 2 })).toBe(true);
    expect(ballotEquals({ round: 3, node: 2 }, { round: 3, node: 1 })).toBe(false);
    expect(maxBallot({ round: 1, node: 5 }, { round: 2, node: 1 })).toEqual({ round: 2, node: 1 });
  });
});

describe('quorums', () => {
  it.each([
    [1, 1], [2, 2], [3, 2], [4, 3], [5, 3], [7, 4], [9, 5],
  ])('a cluster of %i needs %i', (n, q) => {
    expect(quorumSize(n)).toBe(q);
    expect(isQuorum(q, n)).toBe(true);
    expect(isQuorum(q - 1, n)).toBe(false);
  });
  it('refuses nonsense sizes', () => {
    expect(() => quorumSize(0)).toThrow();
    expect(() => quorumSize(2.5)).toThrow();
  });
});
