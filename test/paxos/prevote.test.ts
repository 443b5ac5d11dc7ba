import { describe, expect, it } from 'vitest';
import type { Ballot, Message } from '../../src/paxos/types.js';
import { drain, makeNode } from './harness.js';

const b = (round: number, node: number): Ballot => ({ round, node });

function only<T extends Message['type']>(msgs: readonly Message[], type: T): Extract<Message, { type: T }>[] {
  return msgs.filter((m): m is Extract<Message, { type: T }> => m.type === type);
}

function answerTo(n: ReturnType<typeof makeNode>, from: number, ballot: Ballot): Extract<Message, { type: 'prevote-resp' }> | undefined {
  n.step({ type: 'prevote', from, to: n.id, ballot, commitIndex: 0 });
  return only(drain(n).messages, 'prevote-resp').find((m) => m.to === from);
}

describe('PreVote', () => {
  it('raises no ballot and persists nothing on timeout: it asks first, and runs phase 1 on a majority', () => {
    const n = makeNode(1, 3);
    for (let i = 0; i < 5; i++) n.tick();
    const { ready, messages } = drain(n);
    expect(n.role).toBe('follower');
    expect(n.promised).toEqual(b(0, 0));
    expect(ready.write.promised).toBeUndefined();
    expect(only(messages, 'prepare')).toEqual([]);
    const asks = only(messages, 'prevote');
    expect(asks.map((m) => m.to).sort()).toEqual([2, 3]);
    expect(ready.events).toContainEqual({ type: 'prevote-started', ballot: b(1, 1) });

    // A refusal, and a grant for some other question, change nothing.
    n.step({ type: 'prevote-resp', from: 2, to: 1, ballot: b(1, 1), granted: false });
    n.step({ type: 'prevote-resp', from: 3, to: 1, ballot: b(7, 1), granted: true });
    expect(n.role).toBe('follower');
    n.step({ type: 'prevote-resp', from: 3, to: 1, ballot: b(1, 1), granted: true });
    expect(n.role).toBe('candidate');
    const phase1 = drain(n);
    expect(phase1.ready.write.promised).toEqual(b(1, 1));
    expect(only(phase1.messages, 'prepare')).toHaveLength(2);
  });

  it('is refused while the peer hears a live leader, and granted once that leader has been silent', () => {
    const n = makeNode(2, 3, { electionTicksMin: 5, electionTicksMax: 20 });
    n.step({ type: 'heartbeat', from: 1, to: 2, ballot: b(1, 1), commitIndex: 0 });
    drain(n);
    expect(answerTo(n, 3, b(2, 3))?.granted).toBe(false);
    for (let i = 0; i < 4; i++) n.tick();
    expect(answerTo(n, 3, b(2, 3))?.granted).toBe(false);
    n.tick();
    expect(answerTo(n, 3, b(2, 3))?.granted).toBe(true);
    // Answering is not promising: nothing to persist, and the peer's clock is not reset.
    expect(n.promised).toEqual(b(0, 0));
  });

  it('is refused by a leader with a live quorum', () => {
    const n = makeNode(1, 3);
    for (let i = 0; i < 5; i++) n.tick();
    drain(n);
    n.step({ type: 'prevote-resp', from: 2, to: 1, ballot: b(1, 1), granted: true });
    drain(n);
    n.step({ type: 'promise', from: 2, to: 1, ballot: b(1, 1), fromSlot: 0, commitIndex: 0, chosen: [], accepted: [] });
    drain(n);
    expect(n.role).toBe('leader');
    for (let i = 0; i < 8; i++) {
      n.tick();
      n.step({ type: 'accepted', from: 2, to: 1, ballot: b(1, 1), slots: [] });
      drain(n);
    }
    expect(answerTo(n, 3, b(2, 3))?.granted).toBe(false);
    expect(n.role).toBe('leader');
  });
});

describe('election back-off with PreVote', () => {
  it('doubles the timeout after each failed pre-vote round, up to 8x, and resets when a leader is heard', () => {
    const n = makeNode(1, 3);
    const startTicks: number[] = [];
    const run = (ticks: number): void => {
      for (let t = 1; t <= ticks; t++) {
        n.tick();
        if (n.hasReady() && drain(n).ready.events.some((e) => e.type === 'prevote-started')) startTicks.push(t);
      }
    };
    // The first round waits one timeout, each failed one doubles the next: 5, 10, 20, 40, 40.
    run(120);
    expect(startTicks).toEqual([5, 10, 20, 40, 80, 120]);
    expect(n.promised).toEqual(b(0, 0));
    n.step({ type: 'heartbeat', from: 2, to: 1, ballot: b(1, 2), commitIndex: 0 });
    drain(n);
    startTicks.length = 0;
    run(15);
    expect(startTicks).toEqual([5, 10]);
  });
});

describe('CheckQuorum', () => {
  it('a leader that hears no majority for an election timeout steps down, and its followers then grant pre-votes', () => {
    const n = makeNode(1, 3);
    for (let i = 0; i < 5; i++) n.tick();
    drain(n);
    n.step({ type: 'prevote-resp', from: 2, to: 1, ballot: b(1, 1), granted: true });
    drain(n);
    n.step({ type: 'promise', from: 2, to: 1, ballot: b(1, 1), fromSlot: 0, commitIndex: 0, chosen: [], accepted: [] });
    drain(n);
    expect(n.propose({ op: 'set', key: 'k', value: 'v', clientId: 'c', seq: 1 })).toBe(true);
    drain(n);
    expect(n.inflightSlots).toBeGreaterThan(0);

    // Node 2 follows it and refuses node 3's pre-vote while its heartbeats arrive.
    const f = makeNode(2, 3);
    let stepped = false;
    for (let i = 0; i < 30 && !stepped; i++) {
      n.tick();
      for (const m of drain(n).messages) if (m.to === 2 && m.type === 'heartbeat') f.step(m);
      f.tick();
      drain(f);
      stepped = n.role !== 'leader';
      if (i === 3) expect(answerTo(f, 3, b(2, 3))?.granted).toBe(false);
    }
    // No Accepted ever came back: the leader stepped down and dropped its proposals.
    expect(n.role).toBe('follower');
    expect(n.inflightSlots).toBe(0);
    expect(n.propose({ op: 'get', key: 'k', clientId: 'c', seq: 2 })).toBe(false);
    // With the leader silent, its former follower grants after an election timeout.
    for (let i = 0; i < 5; i++) f.tick();
    drain(f);
    expect(answerTo(f, 3, b(2, 3))?.granted).toBe(true);
  });
});
