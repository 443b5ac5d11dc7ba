// Replies wait here until the node is done with what produced them (a chosen batch, a frame of
// requests, a tick), then leave as one frame per client: a client with 64 commands in one slot
// gets one ZeroMQ message, not 64. Only command results are batched; anything large goes alone.
import { MAX_BATCH_ITEMS, encodeFrame, repliesFrame, type Reply, type ReplyItem } from '../protocol/wire.js';

/** Bytes a batch may reach before it is sent early, well below the frame limit. */
const MAX_BATCH_BYTES = 512 * 1024;
/** Room for everything but the value in one encoded command reply. */
const REPLY_OVERHEAD_BYTES = 64;

interface Bucket {
  readonly routingId: Buffer;
  items: ReplyItem[];
  bytes: number;
}

export class ReplyBatcher {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly send: (routingId: Buffer, bytes: Uint8Array) => void) {}

  add(routingId: Buffer, id: number, res: Reply): void {
    const size = replySize(res);
    if (size === null) return this.send(routingId, encodeFrame(repliesFrame([{ id, res }])));
    const key = routingId.toString('latin1');
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { routingId, items: [], bytes: 0 };
      this.buckets.set(key, b);
    }
    b.items.push({ id, res });
    b.bytes += size;
    if (b.items.length >= MAX_BATCH_ITEMS || b.bytes >= MAX_BATCH_BYTES) this.sendBucket(key, b);
  }

  get pending(): boolean {
    return this.buckets.size > 0;
  }

  flush(): void {
    for (const [key, b] of this.buckets) this.sendBucket(key, b);
  }

  private sendBucket(key: string, b: Bucket): void {
    this.buckets.delete(key);
    this.send(b.routingId, encodeFrame(repliesFrame(b.items)));
  }
}

/** Upper bound of a command reply's encoded size; null for replies that are sent on their own. */
function replySize(res: Reply): number | null {
  if (!res.ok) return REPLY_OVERHEAD_BYTES + res.message.length * 3;
  if (res.op === 'set' || res.op === 'del' || res.op === 'get') return REPLY_OVERHEAD_BYTES + (res.value?.length ?? 0) * 3;
  return null;
}
