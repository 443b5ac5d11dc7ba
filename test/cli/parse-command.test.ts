import { describe, expect, it } from 'vitest';
import { parseCommand, stripComment, tokenize } from '../../src/cli/parse-command.js';
import { completeLine } from '../../src/cli/complete.js';

describe('stripComment', () => {
  it('cuts at an unquoted # that starts a word, and keeps the rest as typed', () => {
    expect(stripComment('set a 1 # note')).toBe('set a 1');
    expect(stripComment('# all comment')).toBe('');
    expect(stripComment('set a b#c')).toBe('set a b#c');
    expect(stripComment('set a "#quoted"')).toBe('set a "#quoted"');
    expect(stripComment('set a "unclosed # x')).toBe('set a "unclosed # x');
  });
});

describe('parseCommand', () => {
  const ok: [string, unknown][] = [
    ['set a 1', { kind: 'set', key: 'a', value: '1' }],
    ['  SET color blue  ', { kind: 'set', key: 'color', value: 'blue' }],
    ['set greeting "hello world"', { kind: 'set', key: 'greeting', value: 'hello world' }],
    ['set greeting hello world', { kind: 'set', key: 'greeting', value: 'hello world' }],
    ["set k ''", { kind: 'set', key: 'k', value: '' }],
    ['get a', { kind: 'get', key: 'a' }],
    ['get a --local 2', { kind: 'get', key: 'a', local: 2 }],
    ['get --local 3 a', { kind: 'get', key: 'a', local: 3 }],
    ['get a --local=1', { kind: 'get', key: 'a', local: 1 }],
    ['del a', { kind: 'del', key: 'a' }],
    ['kill 5', { kind: 'kill', node: 5 }],
    ['restart 1', { kind: 'restart', node: 1 }],
    ['diff', { kind: 'diff' }],
    ['status', { kind: 'status' }],
    ['leader', { kind: 'leader' }],
    ['help', { kind: 'help' }],
    ['help kill', { kind: 'help', topic: 'kill' }],
    ['clear', { kind: 'clear' }],
    ['quit', { kind: 'quit' }],
    ['', null],
    ['   ', null],
    ['# a comment', null],
    ['   # indented comment', null],
    // Trailing comments, as in the README tour: the same at the prompt and in scripts.
    ['set color blue        # OK slot 12 (leader n3, 4.1 ms)', { kind: 'set', key: 'color', value: 'blue' }],
    ['get color # blue', { kind: 'get', key: 'color' }],
    ['kill 3\t# SIGKILL the leader', { kind: 'kill', node: 3 }],
    ['diff #', { kind: 'diff' }],
    // A # inside a word or inside quotes is data.
    ['set tag a#b', { kind: 'set', key: 'tag', value: 'a#b' }],
    ['set k "blue # not a comment"', { kind: 'set', key: 'k', value: 'blue # not a comment' }],
    ["set k 'x #y' # but this is", { kind: 'set', key: 'k', value: 'x #y' }],
  ];
  it.each(ok)('%j parses', (line, cmd) => {
    expect(parseCommand(line, 5)).toEqual({ ok: true, cmd });
  });

  const bad: [string, RegExp][] = [
    ['sett a 1', /unknown command "sett" \(did you mean set\?\)/],
    ['frobnicate', /unknown command "frobnicate"; type help/],
    ['set', /missing key; usage: set KEY VALUE/],
    ['set a', /missing value; usage: set KEY VALUE/],
    ['get', /missing key/],
    ['get a b', /too many arguments/],
    ['get a --local', /missing node id/],
    ['get a --local 9', /node 9 does not exist; this cluster has nodes 1 to 5/],
    ['get a --remote 1', /unknown option --remote/],
    ['del', /missing key/],
    ['kill', /missing node id; usage: kill N/],
    ['kill 0', /node 0 does not exist/],
    ['kill 6', /node 6 does not exist; this cluster has nodes 1 to 5/],
    ['kill two', /"two" is not a node id/],
    ['kill 1 2', /too many arguments/],
    ['restart -1', /"-1" is not a node id/],
    ['diff now', /too many arguments; usage: diff/],
    ['help nothing', /no command "nothing"/],
    ['set "a 1', /unclosed " quote/],
    ['set ' + 'k'.repeat(300) + ' v', /key too long/],
  ];
  it.each(bad)('%j is refused with one clear line', (line, error) => {
    const r = parseCommand(line, 5);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatch(error);
    expect(r.error).not.toContain('\n');
  });
});

describe('tokenize', () => {
  it('keeps quoted spaces and joins adjacent quoted parts', () => {
    expect(tokenize(`a "b c" d'e f'`)).toEqual({ words: ['a', 'b c', 'de f'] });
  });
});

describe('completeLine', () => {
  const table: [string, string, string[]][] = [
    ['s', 's', ['set', 'stop', 'status', 'slow', 'step']],
    ['se', 'set ', ['set']],
    ['ki', 'kill ', ['kill']],
    ['kill ', 'kill ', ['1', '2', '3']],
    ['kill 2', 'kill 2 ', ['2']],
    ['re', 're', ['restart', 'remove', 'replace', 'resume']],
    ['res', 'res', ['restart', 'resume']],
    ['get a --', 'get a --', ['--from', '--local', '--mode', '--prefix']],
    ['get a --l', 'get a --local ', ['--local']],
    ['get a --local ', 'get a --local ', ['1', '2', '3']],
    ['help d', 'help d', ['del', 'diff', 'deliver', 'drop']],
    ['help q', 'help quit ', ['quit']],
    ['set a ', 'set a ', []],
    ['zz', 'zz', []],
  ];
  it.each(table)('%j completes to %j', (line, expected, candidates) => {
    const c = completeLine(line, 3);
    expect(c.line).toBe(expected);
    expect(c.candidates).toEqual(candidates);
  });
});

describe('help listing', () => {
  it('names every command in a few lines that fit an 80-column screen', async () => {
    const { COMMANDS, helpLines } = await import('../../src/cli/commands.js');
    const lines = helpLines();
    // Six lines of commands and the keys line: with the result line and "commands:" that is 9
    // rows, which an 80x24 screen of 3 panes shows whole (results borrow the slot grid's 8).
    expect(lines.length).toBeLessThanOrEqual(7);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(78);
    for (const c of COMMANDS) expect(lines.join(' ')).toContain(c.name);
  });
});
