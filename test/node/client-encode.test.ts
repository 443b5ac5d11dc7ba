// A request the client cannot encode fails alone, as bad-request, and the requests sent in the
// same frame are still answered (they used to all fail as "unreachable").
import { afterEach, describe, expect, it } from 'vitest';
import { TestCluster } from './harness.js';

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.cleanup();
  cluster = null;
});

describe('client: a request that cannot be encoded', () => {
  it('is refused as bad-request while the rest of its frame is served', async () => {
    cluster = await TestCluster.create({ size: 3 });
    await cluster.startAll();
    const client = cluster.client();
    const leader = await cluster.waitForLeader(client);
    // The first request of a burst leaves alone; the next two, made in the same turn, share a frame.
    const [status, bad, write] = await Promise.allSettled([
      client.status(leader),
      client.admin(leader, 'set-faults', { groups: null, slow: [], extra: 10n }),
      client.set('k', 'v'),
    ]);
    expect(bad.status).toBe('rejected');
    expect(bad.status === 'rejected' && (bad.reason as { code?: string }).code).toBe('bad-request');
    expect(status.status).toBe('fulfilled');
    expect(write.status).toBe('fulfilled');
  });
});
