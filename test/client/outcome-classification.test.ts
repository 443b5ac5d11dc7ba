// What a history records for a failed command: 'failed' is a promise to the checker (it never
// took effect and never will), so only a command that never left the client, or whose every
// attempt was refused as malformed before any proposal, is 'failed'. The "node" here is a real
// ZeroMQ ROUTER on 127.0.0.1 that answers from a script, so every reply the client can meet is
// met on the real wire; the client and the recorder are the real ones.
import { afterEach, describe, expect, it } from 'vitest';
import { Router } from 'zeromq';
import { PaxosClient, PaxosClientError } from '../../src/client/paxos-client.js';
import { HistoryRecorder, type Outcome } from '../../src/check/history.js';
import { recordOp } from '../../src/check/record-op.js';
import { freePorts } from '../../src/cluster/free-ports.js';
import { NO_FAULTS } from '../../src/protocol/fault-rules.js';
import { decodeFrame, encodeFrame, replyFrame, type ClientRequest, type Reply } from '../../src/protocol/wire.js';

/** Per request: a reply, or null to stay silent (the node froze, or the answer was lost). */
type Script = (req: ClientRequest, n: number) => Reply | null;

const open: { close(): void }[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});

async function scriptedNode(script: Script): Promise<{ port: number; seen: ClientRequest[] }> {
  const [port] = await freePorts(1);
  const router = new Router({ linger: 0 });
  await router.bind(`tcp://127.0.0.1:${port!}`);
  open.push(router);
  const seen: ClientRequest[] = [];
  void (async () => {
    try {
      for await (const [from, bytes] of router) {
        const d = decodeFrame(bytes!);
        if (!d.ok) continue;
        const items = d.frame.k === 'reqs' ? d.frame.reqs : d.frame.k === 'req' ? [{ id: d.frame.id, req: d.frame.req }] : [];
        for (const item of items) {
          seen.push(item.req);
          const res = script(item.req, seen.length);
          if (res !== null) await router.send([from!, encodeFrame(replyFrame(item.id, res))]);
        }
      }
    } catch {
      // closed
    }
  })();
  return { port: port!, seen };
}

function clientOf(port: number): PaxosClient {
  const c = new PaxosClient({ nodes: [{ id: 1, host: '127.0.0.1', port }] });
  open.push({ close: () => void c.close() });
  return c;
}

async function outcomeOf(client: PaxosClient, timeoutMs: number): Promise<{ outcome: Outcome; err: PaxosClientError }> {
  const history = new HistoryRecorder();
  const err = await recordOp(history, 'p', { op: 'set', key: 'k', value: 'v' }, () => client.set('k', 'v', { timeoutMs })).then(
    () => null,
    (e: unknown) => e as PaxosClientError,
  );
  expect(err).toBeInstanceOf(PaxosClientError);
  return { outcome: history.toJSON().ops[0]!.outcome, err: err! };
}

const refusal = (code: 'bad-request' | 'not-leader' | 'no-quorum' | 'shutting-down'): Reply => ({ ok: false, code, message: `scripted ${code}`, leader: null });

describe('outcome of a failed command', () => {
  it('a malformed-request refusal on the only attempt: failed', async () => {
    const node = await scriptedNode(() => refusal('bad-request'));
    const { outcome, err } = await outcomeOf(clientOf(node.port), 2000);
    expect(err.code).toBe('bad-request');
    expect(outcome).toBe('failed');
  });

  it('never sent (no node listens): failed', async () => {
    const [port] = await freePorts(1);
    const { outcome, err } = await outcomeOf(clientOf(port!), 300);
    expect(err.code).toBe('unreachable');
    expect(outcome).toBe('failed');
  });

  it.each(['not-leader', 'no-quorum', 'shutting-down'] as const)('%s (the node may have proposed it first): unknown', async (code) => {
    const node = await scriptedNode(() => refusal(code));
    const { outcome } = await outcomeOf(clientOf(node.port), 300);
    expect(node.seen.length).toBeGreaterThan(0);
    expect(outcome).toBe('unknown');
  });

  it('an ok reply of another kind: unknown, with its own code', async () => {
    const node = await scriptedNode(() => ({ ok: true, op: 'admin', faults: NO_FAULTS }));
    const { outcome, err } = await outcomeOf(clientOf(node.port), 2000);
    expect(err.code).toBe('unexpected-reply');
    expect(outcome).toBe('unknown');
  });

  it('a short client timeout: unknown', async () => {
    const node = await scriptedNode(() => null);
    const started = Date.now();
    const { outcome, err } = await outcomeOf(clientOf(node.port), 100);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.code).toBe('timeout');
    expect(outcome).toBe('unknown');
  });

  it('a refusal of the retry after a silent first attempt: unknown (same seq both times)', async () => {
    // The first attempt times out after its 1 s share; the retry carries the same (clientId, seq),
    // so the first may still be chosen: a refusal of the second proves nothing about it.
    const node = await scriptedNode((_req, n) => (n === 1 ? null : refusal('bad-request')));
    const { outcome, err } = await outcomeOf(clientOf(node.port), 1600);
    expect(node.seen.length).toBe(2);
    const [a, b] = node.seen as [ClientRequest & { seq?: number; clientId?: string }, ClientRequest & { seq?: number; clientId?: string }];
    expect([b.clientId, b.seq]).toEqual([a.clientId, a.seq]);
    expect(err.code).toBe('bad-request');
    expect(outcome).toBe('unknown');
  });
});
