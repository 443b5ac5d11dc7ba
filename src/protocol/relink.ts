// libzmq gives up on a connection for good after a ZMTP protocol error (a security mechanism
// mismatch, e.g. a plain socket that bound a dead node's port) or an authentication failure (a
// squatter that answers ERROR 400 before proving any key): the session is terminated and never
// reconnected. One such impostor would cut a link until the process restarted, so every DEALER
// of ours connects again itself, a little later, after either.
import type { Dealer } from 'zeromq';

const RELINK_MS = 250;

export function relinkAfterProtocolErrors(dealer: Dealer, address: string): void {
  let pending: NodeJS.Timeout | null = null;
  const relink = (): void => {
    if (pending !== null) return;
    pending = setTimeout(() => {
      pending = null;
      if (dealer.closed) return;
      try {
        dealer.disconnect(address);
      } catch {
        // the terminated session may have taken the endpoint with it
      }
      try {
        dealer.connect(address);
      } catch {
        // closed meanwhile
      }
    }, RELINK_MS);
    pending.unref();
  };
  dealer.events.on('handshake:error:protocol', relink);
  dealer.events.on('handshake:error:auth', relink);
}
