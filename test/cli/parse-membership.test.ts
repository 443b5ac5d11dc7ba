// The membership commands at the prompt, and node ids of a cluster whose ids grew (1 3 4 after
// `remove 2` and `add`): only member ids are taken, and the errors name them.
import { describe, expect, it } from 'vitest';
import { completeLine } from '../../src/cli/complete.js';
import { helpText } from '../../src/cli/commands.js';
import { parseCommand } from '../../src/cli/parse-command.js';

describe('membership commands', () => {
  it.each([
    ['add', { kind: 'add' }],
    ['remove 2', { kind: 'remove', node: 2 }],
    ['replace 3', { kind: 'replace', node: 3 }],
    ['transfer 1', { kind: 'transfer', node: 1 }],
    ['members', { kind: 'members' }],
    ['add --host 10.0.0.4', { kind: 'add', at: { host: '10.0.0.4', port: null } }],
    ['add --host=H4.example:7010', { kind: 'add', at: { host: 'h4.example', port: 7010 } }],
    ['add --host [FD00::4]:7001', { kind: 'add', at: { host: 'fd00::4', port: 7001 } }],
    ['replace 3 --host h5', { kind: 'replace', node: 3, at: { host: 'h5', port: null } }],
    ['replace --host h5:7002 2', { kind: 'replace', node: 2, at: { host: 'h5', port: 7002 } }],
  ])('%j parses', (line, cmd) => {
    expect(parseCommand(line, 3)).toEqual({ ok: true, cmd });
  });

  it.each([
    ['add 4', 'too many arguments; usage: add [--host H[:PORT]]'],
    ['add --host', "--host needs the new node's address, e.g. --host 10.0.0.4 or --host h4:7001; usage: add [--host H[:PORT]]"],
    ['add --host h4:0', 'bad port in "h4:0": a port is 1 to 65535; usage: add [--host H[:PORT]]'],
    ['add --host 0.0.0.0', '"0.0.0.0" is every address, not one; give the node\'s own address (a node binds 0.0.0.0 only with --bind); usage: add [--host H[:PORT]]'],
    ['add --host a --host b', '--host given twice; usage: add [--host H[:PORT]]'],
    ['add --port 7', 'unknown option --port; usage: add [--host H[:PORT]]'],
    ['replace --host h5', 'missing node id; usage: replace N [--host H[:PORT]]'],
    ['remove', 'missing node id; usage: remove N'],
    ['remove 9', 'node 9 does not exist; this cluster has nodes 1 to 3'],
    ['transfer x', '"x" is not a node id; use a number from 1 to 3'],
    ['members now', 'too many arguments; usage: members'],
  ])('%j is refused: %s', (line, error) => {
    expect(parseCommand(line, 3)).toEqual({ ok: false, error });
  });

  it('has help for each', () => {
    for (const name of ['add', 'remove', 'replace', 'transfer', 'members']) expect(helpText(name)).toMatch(new RegExp(`^${name}`));
    expect(helpText('remove')).toMatch(/refused if the rest would lose their quorum/);
  });
});

describe('grown node ids', () => {
  const ids = [1, 3, 4];
  it('takes the ids the cluster has, and names them when refusing', () => {
    expect(parseCommand('kill 4', ids)).toEqual({ ok: true, cmd: { kind: 'kill', node: 4 } });
    expect(parseCommand('remove 2', ids)).toEqual({ ok: false, error: 'node 2 does not exist; this cluster has nodes 1, 3, 4' });
    expect(parseCommand('get a --local 3', ids)).toEqual({ ok: true, cmd: { kind: 'get', key: 'a', local: 3 } });
    expect(parseCommand('deliver 1>4', ids)).toEqual({ ok: true, cmd: { kind: 'deliver', target: { kind: 'link', from: 1, to: 4 } } });
    expect(parseCommand('deliver 1>2', ids)).toEqual({ ok: false, error: 'node 2 does not exist; this cluster has nodes 1, 3, 4' });
  });

  it('partitions need every member in one group, ids as they are', () => {
    expect(parseCommand('partition 1|3,4', ids)).toEqual({ ok: true, cmd: { kind: 'partition', groups: [[1], [3, 4]] } });
    expect(parseCommand('partition 1|3', ids).ok).toBe(false);
  });

  it('completes the member ids', () => {
    expect(completeLine('remove ', ids).candidates).toEqual(['1', '3', '4']);
    expect(completeLine('tran', ids).line).toBe('transfer ');
  });
});
