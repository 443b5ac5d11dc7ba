// The etcd side of the bench, through the npm `etcd3` client. etcd acknowledges a put after a
// quorum of members has it in their fsynced WAL, and a plain range request is linearizable:
// the same guarantees the paxos target is measured with.
import { Etcd3 } from 'etcd3';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError, type BenchTarget, type WriteAck } from './bench-target.js';

const READY_WAIT_MS = 30_000;
const CALL_TIMEOUT_MS = 10_000;

export class EtcdTarget implements BenchTarget {
  readonly name = 'etcd';

  private constructor(
    private readonly client: Etcd3,
    private readonly endpoints: readonly string[],
  ) {}

  static async connect(endpoints: readonly string[]): Promise<EtcdTarget> {
    for (const e of endpoints) {
      if (!/^https?:\/\/[^/\s]+\/?$/.test(e)) {
        throw new BenchError('bad-option', `--endpoints: "${e}" is not a URL like http://127.0.0.1:2379`);
      }
    }
    const client = new Etcd3({
      hosts: [...endpoints],
      dialTimeout: 5000,
      defaultCallOptions: () => ({ deadline: Date.now() + CALL_TIMEOUT_MS }),
    });
    const target = new EtcdTarget(client, endpoints);
    const deadline = Date.now() + READY_WAIT_MS;
    let last = '';
    while (Date.now() < deadline) {
      try {
        await client.put('bench-warmup').value('x');
        return target;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
        await sleep(200);
      }
    }
    client.close();
    throw new BenchError('unreachable', `etcd at ${endpoints.join(',')} did not accept a write within ${READY_WAIT_MS / 1000} s (${last})`);
  }

  async set(key: string, value: string): Promise<WriteAck> {
    const r = await this.client.put(key).value(value);
    return { order: Number(r.header.revision) };
  }

  async get(key: string): Promise<string | null> {
    return this.client.get(key).string();
  }

  async describe(): Promise<Record<string, unknown>> {
    return { endpoints: this.endpoints };
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
