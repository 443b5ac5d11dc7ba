// Review finding: the REPL executor retries a write whose outcome is unknown ('no-quorum' from a
// leader that proposed it and then timed out, 'timeout', 'unreachable') by calling client.set()
// again, and PaxosClient gives every call a fresh seq. Both the first proposal (still in some
// acceptor's log, re-proposed by the next leader) and the retry can then be applied: the state
// machine's (clientId, seq) dedup cannot help because the seqs differ. One `set` typed by the user
// takes effect twice (with another client's write in between, that write is silently undone).
//
// A fake node (real ZeroMQ ROUTER on 127.0.0.1) answers the first attempt the way a real leader
// whose request timer fired does, and records the (clientId, seq) of every attempt.
import { afterEach, describe, expect, it } from 'vitest';
import { Router } from 'zeromq';
import { PaxosClient } from '../../src/client/paxos-client.js';
import { Executor, type SupervisorLike } from '../../src/cli/execute-command.js';
import { KvStore } from '../../src/paxos/kv.js';
import { decodeFrame, encodeFrame, errorReply, replyFrame } from '../../src/protocol/wire.js';
import type { Command } from '../../src/paxos/types.js';

let router: Router | null = null;
let client: PaxosClient | null = null;

afterEach(async () => {
  await client?.close();
  router?.close();
  client = null;
  router = null;
});

describe('review: REPL retry of an unknown-outcome write', () => {
  it('re-sends the same (clientId, seq), so the write cannot apply twice', async () => {
    router = new Router({ linger: 0 });
    await router.bind('tcp://127.0.0.1:*');
    const port = Number(/:(\d+)$/.exec(router.lastEndpoint ?? '')?.[1]);
    const seen: Command[] = [];
    const r = router;
    void (async () => {
      try {
        for await (const [id, bytes] of r) {
          const d = decodeFrame(bytes!);
          if (!d.ok || d.frame.k !== 'req') continue;
          const req = d.frame.req;
          if (req.op !== 'set') continue;
          seen.push(req);
          // First attempt: proposed, then the node's request timer fired (it may still be chosen).
          const res =
            seen.length === 1
              ? errorReply('no-quorum', 'no quorum: not chosen within 2000 ms')
              : { ok: true as const, op: 'set' as const, slot: 7, value: null, duplicate: false, leader: 1 };
          await r.send([id!, encodeFrame(replyFrame(d.frame.id, res))]);
        }
      } catch {
        // closed
      }
    })();

    client = new PaxosClient({ nodes: [{ id: 1, host: '127.0.0.1', port }] }, { clientId: 'review', timeoutMs: 3000 });
    const sup = { ids: [1], isAlive: () => true, onEvent: () => () => undefined } as unknown as SupervisorLike;
    const ex = new Executor({ sup, client, dataDir: '/nonexistent', retryMs: 5000 });
    const out = await ex.run({ kind: 'set', key: 'k', value: 'v' });
    expect(out.ok).toBe(true);
    expect(seen.length).toBe(2);

    // What the replicated state machine does if the first attempt is chosen too (it may be).
    const kv = new KvStore();
    const other: Command = { op: 'set', key: 'k', value: 'other-client', clientId: 'x', seq: 1 };
    const applied = [seen[0]!, other, seen[1]!].flatMap((c, slot) => kv.apply({ slot, value: { kind: 'batch', cmds: [c] } }));
    const effective = applied.filter((res) => res.clientId === seen[0]!.clientId && !res.duplicate);
    expect(seen.map((c) => c.seq)).toEqual([seen[0]!.seq, seen[0]!.seq]);
    expect(effective).toHaveLength(1);
  });
});
