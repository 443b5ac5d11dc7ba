// The ZAP handler (ZeroMQ RFC 27) of this process: libzmq asks it about every CURVE handshake
// on a socket with a zapDomain, and a connection whose client key is not listed is refused
// before a single frame of it reaches the node. It must be bound before the ROUTER accepts
// anyone: without a handler, libzmq admits every CURVE client.
import { Reply } from 'zeromq';
import { z85Decode, z85Encode } from '../cluster/z85.js';

export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';
export const ZAP_DOMAIN = 'paxos';
const MAX_ADDRESSES = 10_000;

export interface ZapRefusal {
  /** unknown-key: asked ZAP with a key not listed; no-curve: failed the greeting (libzmq names no peer address then). */
  readonly kind: 'unknown-key' | 'no-curve';
  readonly address: string;
  readonly key: string;
  /** How many connections from this address were refused so far. */
  readonly count: number;
}

export class ZapHandler {
  /** Refused handshakes, in all. */
  refused = 0;
  private readonly refusedByAddress = new Map<string, number>();
  private readonly admitted: Map<string, string>;
  private readonly serving: Promise<void>;

  private constructor(
    private readonly socket: Reply,
    admit: ReadonlyMap<string, string>,
    private readonly onRefused: (r: ZapRefusal) => void,
  ) {
    // Compared as raw bytes (hex), the form the handshake delivers.
    this.admitted = new Map([...admit].map(([key, who]) => [z85Decode(key).toString('hex'), who]));
    this.serving = this.serve();
  }

  /** admit: Z85 public key → who holds it (the ZAP user id, e.g. "operator" or "node-2"). */
  static async start(admit: ReadonlyMap<string, string>, onRefused: (r: ZapRefusal) => void): Promise<ZapHandler> {
    const socket = new Reply({ linger: 0 });
    await socket.bind(ZAP_ENDPOINT);
    return new ZapHandler(socket, admit, onRefused);
  }

  /**
   * Admits one more key from now on (a member a chosen configuration added). Handshakes already
   * refused stay refused; the peer's next dial is asked about again.
   */
  admit(key: string, who: string): void {
    this.admitted.set(z85Decode(key).toString('hex'), who);
  }

  /** Whether `key` (Z85) is admitted now. */
  admits(key: string): boolean {
    return this.admitted.has(z85Decode(key).toString('hex'));
  }

  private async serve(): Promise<void> {
    try {
      for await (const req of this.socket) await this.socket.send(this.answer(req));
    } catch {
      // closed
    }
  }

  /** Request frames: version, request id, domain, address, routing id, mechanism, credentials… */
  private answer(req: Buffer[]): (Buffer | string)[] {
    const version = req[0]?.toString() ?? '';
    const requestId = req[1] ?? Buffer.alloc(0);
    if (version !== '1.0') return ['1.0', requestId, '500', 'unsupported ZAP version', '', ''];
    const domain = req[2]?.toString() ?? '';
    const address = req[3]?.toString() ?? '?';
    const mechanism = req[5]?.toString() ?? '';
    const key = req[6];
    const who = domain === ZAP_DOMAIN && mechanism === 'CURVE' && key?.length === 32 ? this.admitted.get(key.toString('hex')) : undefined;
    if (who !== undefined) return ['1.0', requestId, '200', 'OK', who, ''];
    this.refused += 1;
    // Bounded: a scan from many addresses must not grow this, nor the log, without limit. Past
    // the limit a new address counts as seen before, so it is counted but not logged.
    const seen = this.refusedByAddress.get(address) ?? (this.refusedByAddress.size >= MAX_ADDRESSES ? 1 : 0);
    const count = seen + 1;
    if (this.refusedByAddress.has(address) || this.refusedByAddress.size < MAX_ADDRESSES) this.refusedByAddress.set(address, count);
    this.onRefused({ kind: 'unknown-key', address, key: key?.length === 32 ? z85Encode(key) : `(${mechanism || 'no'} credentials)`, count });
    return ['1.0', requestId, '400', 'unknown key', '', ''];
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.serving;
  }
}
