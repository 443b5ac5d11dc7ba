// The REPL's fault and verification commands: accepted forms and one-line errors.
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/cli/parse-command.js';

const parse = (line: string) => parseCommand(line, 5);

describe('parse fault commands', () => {
  it.each([
    ['partition 1,2|3,4,5', { kind: 'partition', groups: [[1, 2], [3, 4, 5]] }],
    ['partition 1,2 | 3,4,5', { kind: 'partition', groups: [[1, 2], [3, 4, 5]] }],
    ['partition 1 2 | 3 4 5', { kind: 'partition', groups: [[1, 2], [3, 4, 5]] }],
    ['partition 1|2|3,4,5', { kind: 'partition', groups: [[1], [2], [3, 4, 5]] }],
    ['heal', { kind: 'heal' }],
    ['isolate 3', { kind: 'isolate', node: 3 }],
    ['slow 2 150', { kind: 'slow', node: 2, ms: 150 }],
    ['slow 2 150ms', { kind: 'slow', node: 2, ms: 150 }],
    ['check', { kind: 'check' }],
    ['chaos', { kind: 'chaos', json: false }],
    ['chaos --duration 20 --clients 3 --keys=4 --seed 9 --json', { kind: 'chaos', durationSec: 20, clients: 3, keys: 4, seed: 9, json: true }],
  ])('%s', (line, cmd) => {
    expect(parse(line)).toEqual({ ok: true, cmd });
  });

  it.each([
    ['partition', 'missing groups; usage: partition 1,2|3,4,5'],
    ['partition 1,2,3', 'one group only: separate the sides with |, e.g. partition 1,2|3,4,5'],
    ['partition 1,2|2,3,4,5', 'node 2 is in both group 1 and group 2'],
    ['partition 1,2|3', 'nodes 4,5 are in no group; place every node, e.g. partition 1,2|3,4,5'],
    ['partition 1,2|3,4,6', 'node 6 does not exist; this cluster has nodes 1 to 5'],
    ['partition 1,x|3,4,5', '"x" is not a node id; use a number from 1 to 5'],
    ['partition 1,2||3,4,5', 'group 2 is empty'],
    ['isolate', 'missing node id; usage: isolate N'],
    ['isolate 7', 'node 7 does not exist; this cluster has nodes 1 to 5'],
    ['slow 2', 'missing delay in ms; usage: slow N MS'],
    ['slow 2 fast', 'delay must be a whole number of ms from 0 to 10000 (0 removes it), got "fast"'],
    ['heal now', 'too many arguments; usage: heal'],
    ['chaos --duration', 'chaos: --duration needs a whole number from 1 to 86400'],
    ['chaos --clients 0', '--clients needs a whole number from 1 to 256, got "0"'],
    ['chaos --nodes 3', 'unknown option --nodes; usage: chaos [--duration S] [--clients C] [--keys K] [--seed N] [--json]'],
  ])('%s', (line, error) => {
    const r = parse(line);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.replace(/^chaos: /, '')).toBe(error.replace(/^chaos: /, ''));
  });

  it('chaos needs 3 nodes', () => {
    expect(parseCommand('chaos', 2)).toEqual({ ok: false, error: 'chaos needs at least 3 nodes (a majority must survive a fault)' });
  });
});
