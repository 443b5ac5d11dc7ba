// Found by the second review: a Promise carries every accepted entry above the commit index (the
// leader's window plus the batch that crossed it) and a page of chosen values for a lagging
// candidate; the two together could pass the 4 MiB frame limit, and the runtime dropped that
// Promise on every election the candidate ran. The window is now 2 MiB, and the chosen page
// only gets the room the accepted entries leave under a 3.5 MiB Promise budget.
import { describe, expect, it } from 'vitest';
import { encodePeerFrame, MAX_FRAME_BYTES } from '../../src/protocol/wire.js';
import type { Message } from '../../src/paxos/types.js';
import { drain, makeNode, tickUntilCandidate } from '../paxos/harness.js';

// 3-byte UTF-8 text: valueBytesBound's 3 bytes per UTF-16 unit is then the real size.
const bigValue = (i: number) => String.fromCharCode(0x4e00 + (i % 100)).repeat(21_845); // 65,535 bytes
let seq = 0;
const cmd = () => ({ op: 'set' as const, key: `k${seq}`, value: bigValue(seq), clientId: 'c.1', seq: ++seq });

describe('a Promise to a lagging candidate', () => {
  it('stays within the frame limit', () => {
    const n1 = makeNode(1, 3, { electionTicksMin: 5, electionTicksMax: 5 });
    // n2 never runs for leader here; without pre-vote it also promises at once (no lease guard),
    // so the test drives its Prepares without ticking it past an election timeout.
    const n2 = makeNode(2, 3, { electionTicksMin: 1000, electionTicksMax: 1000, preVote: false });
    const n3 = makeNode(3, 3, { electionTicksMin: 5, electionTicksMax: 5 });
    const deliver = (msgs: Message[], to: number, node = to === 2 ? n2 : n1) => {
      for (const m of msgs) if (m.to === to) node.step(m);
    };
    // n1 leads with n2's promise; n3 is down.
    const prep = tickUntilCandidate(n1).filter((m) => m.to === 2);
    deliver(prep, 2);
    deliver(drain(n2).messages, 1);
    drain(n1);
    expect(n1.role).toBe('leader');
    // Some writes are chosen by n1 and n2 (n3 misses them).
    for (let i = 0; i < 6; i++) n1.propose(cmd());
    deliver(drain(n1).messages, 2);
    deliver(drain(n2).messages, 1);
    drain(n1);
    expect(n1.commitIndex).toBeGreaterThan(0);
    // A full window of writes reaches n2 (carrying n1's commit index); then n1 crashes.
    for (let i = 0; i < 80; i++) n1.propose(cmd());
    deliver(drain(n1).messages, 2);
    drain(n2);
    expect(n2.commitIndex).toBe(n1.commitIndex);
    // n3 comes back (commit 0) and runs for leader: n2's Promise must reach it.
    const prepare = tickUntilCandidate(n3).find((m) => m.type === 'prepare' && m.to === 2)!;
    n2.step(prepare);
    const promise = drain(n2).messages.find((m) => m.type === 'promise')!;
    expect(promise.type === 'promise' && promise.accepted.length).toBeGreaterThan(0);
    expect(encodePeerFrame(promise).byteLength).toBeLessThanOrEqual(MAX_FRAME_BYTES);
  });
});
