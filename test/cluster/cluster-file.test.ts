// What a cluster file may say: each node once, by id, by key and by address, however the address
// is spelled (a hand-edited file is read as strictly as one init wrote).
import { describe, expect, it } from 'vitest';
import { ClusterFileError, parseCluster } from '../../src/cluster/cluster-file.js';

const file = (nodes: { id: number; host: string; port: number }[]): string => JSON.stringify({ nodes });
const problem = (text: string): string => {
  try {
    parseCluster(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ClusterFileError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('a cluster file', () => {
  it('reads nodes on distinct addresses, one host on two ports included', () => {
    const c = parseCluster(file([{ id: 1, host: 'h1', port: 7001 }, { id: 2, host: 'h1', port: 7002 }, { id: 3, host: 'fd00::3', port: 7001 }]));
    expect(c.nodes.map((n) => n.id)).toEqual([1, 2, 3]);
  });

  it('refuses one address twice, however it is spelled', () => {
    expect(problem(file([{ id: 1, host: 'H1', port: 7001 }, { id: 2, host: 'h1', port: 7001 }]))).toMatch(/appears twice/);
    expect(problem(file([{ id: 1, host: 'fd00::2', port: 7001 }, { id: 2, host: 'FD00:0:0::2', port: 7001 }]))).toMatch(/appears twice/);
  });

  it('says what is wrong with a host no peer could dial', () => {
    expect(problem(file([{ id: 1, host: '0.0.0.0', port: 7001 }]))).toMatch(/"0\.0\.0\.0" is every address, not one/);
    expect(problem(file([{ id: 1, host: 'fe80::1%eth0', port: 7001 }]))).toMatch(/link-local address with a zone/);
  });

  it('refuses a node id twice', () => {
    expect(problem(file([{ id: 1, host: 'h1', port: 7001 }, { id: 1, host: 'h2', port: 7001 }]))).toMatch(/node id 1 appears twice/);
  });
});
