// The flow view's drawing, without Ink: arrows from the sender's lane to the receiver's, their
// labels and marks, what shortens on narrow lanes, the signs when scrolled, the too-small line.
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import type { FlowMessage } from '../../src/cli/flow-messages.js';
import { layoutFlow, MIN_LANE_WIDTH, pickLabel, type FlowFrame } from '../../src/cli/ui/flow-layout.js';

let seq = 0;
function msg(from: number, to: number, label: string, over: Partial<FlowMessage> = {}): FlowMessage {
  seq++;
  return { key: `${from}>${to}@${seq}`, from, to, type: over.type ?? 'accept', label, heartbeat: false, order: seq, t: seq, status: 'delivered', ...over };
}

const lanes = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i + 1 }));
const text = (f: FlowFrame) => f.lines.map((l) => l.map((s) => s.text).join(''));
/** Where each lane's name sits in the header: the lane line is drawn under it. */
function centers(header: string, n: number): number[] {
  return Array.from({ length: n }, (_, i) => header.indexOf(`n${i + 1}`));
}

describe('layoutFlow', () => {
  it('draws each message from its sender lane to its receiver lane, with its label between', () => {
    const messages = [msg(1, 2, 'P 3.1', { type: 'prepare' }), msg(3, 1, 'Pr', { type: 'promise' }), msg(1, 3, 'A 3.1 s14-20')];
    const f = text(layoutFlow({ messages, lanes: lanes(3), width: 80, height: 10, bottom: 3, focused: true }));
    const [c1, c2, c3] = centers(f[0] as string, 3) as [number, number, number];
    const prepare = f.find((l) => l.includes('P 3.1')) as string;
    expect(prepare.indexOf('├')).toBe(c1);
    expect(prepare.indexOf('▶')).toBe(c2 - 1);
    expect(prepare[c3]).toBe('│');
    const promise = f.find((l) => l.includes('Pr')) as string;
    expect(promise.indexOf('◀')).toBe(c1 + 1);
    expect(promise.indexOf('┤')).toBe(c3);
    // Crossing n2's lane: the lane shows through the arrow.
    const accept = f.find((l) => l.includes('A 3.1 s14-20')) as string;
    expect(accept[c2]).toBe('┼');
    expect(accept.indexOf('A 3.1')).toBeGreaterThan(c1);
    expect(accept.indexOf('A 3.1')).toBeLessThan(c3);
    expect(f).toHaveLength(10);
    for (const l of f) expect(stringWidth(l)).toBeLessThanOrEqual(80);
  });

  it('marks lost, dropped (at the side that dropped it), held and in-flight messages', () => {
    const messages = [
      msg(1, 2, 'A 3.1 s5', { status: 'lost' }),
      msg(1, 2, 'A 3.1 s6', { status: 'dropped', why: 'partition', dropAt: 2 }),
      msg(2, 1, 'Nack', { status: 'dropped', why: 'partition', dropAt: 2, type: 'nack' }),
      msg(1, 3, 'A 3.1 s7', { status: 'held', holdId: 7 }),
      msg(1, 2, 'A 3.1 s8', { status: 'in-flight' }),
    ];
    const f = text(layoutFlow({ messages, lanes: lanes(3), width: 120, height: 8, bottom: 5 }));
    const [c1, c2] = centers(f[0] as string, 3) as [number, number];
    const row = (s: string) => f.find((l) => l.includes(s)) as string;
    expect(row('s5 lost').indexOf('✗')).toBe(c2 - 1);
    expect(row('s5')).toContain('╌');
    expect(row('s6 dropped partition').indexOf('✗')).toBe(c2 - 1);
    // Dropped by its sender n2: the mark is next to n2, no line runs on to n1.
    expect(row('Nack').indexOf('✗')).toBe(c2 - 1);
    expect(row('Nack').slice(c1 + 1, c1 + 4)).toBe('   ');
    expect(row('s7 held #7')).toContain('⏸');
    // On its way: dashed, no mark of loss yet.
    expect(row('s8')).toMatch(/╌▶│/);
    expect(row('s8')).not.toContain('✗');
  });

  it('shortens labels that do not fit between narrow lanes, and uses the room wide lanes have', () => {
    const m = msg(1, 2, 'A 3.1 s14-20', { status: 'dropped', why: 'partition', dropAt: 2 });
    expect(pickLabel(m, 40)).toBe('A 3.1 s14-20 dropped partition');
    expect(pickLabel(m, 18)).toBe('A 3.1 s14-20 drop');
    expect(pickLabel(m, 8)).toBe('A 3.1');
    expect(pickLabel(m, 3)).toBe('A');
    const narrow = text(layoutFlow({ messages: [m], lanes: lanes(9), width: 9 * MIN_LANE_WIDTH, height: 5, bottom: 1 }));
    expect(narrow.find((l) => l.includes('✗'))).toMatch(/├─*A─*✗│/);
    const wide = text(layoutFlow({ messages: [m], lanes: lanes(5), width: 200, height: 5, bottom: 1 }));
    const at80 = text(layoutFlow({ messages: [m], lanes: lanes(5), width: 80, height: 5, bottom: 1 }));
    expect(wide.join('\n')).toContain('dropped partition');
    expect(at80.join('\n')).not.toContain('dropped partition');
    expect(Math.max(...wide.map((l) => stringWidth(l)))).toBeGreaterThan(150);
  });

  it('shows the newest at the bottom, and signs for what is above and below when scrolled', () => {
    const messages = Array.from({ length: 50 }, (_, i) => msg(1, 2, `A 3.1 s${i}`));
    const follow = text(layoutFlow({ messages, lanes: lanes(3), width: 80, height: 10, bottom: 50, focused: true }));
    expect(follow.at(-1)).toContain('s49');
    expect(follow[1]).toMatch(/^↑ 42 earlier messages · PgUp/);
    expect(follow.join('\n')).not.toContain('newer');
    const back = text(layoutFlow({ messages, lanes: lanes(3), width: 80, height: 10, bottom: 30 }));
    expect(back.at(-1)).toMatch(/^↓ 20 newer · PgDn, End follows \(Ctrl-G first\)/);
    expect(back.at(-2)).toContain('s29─');
    expect(back.join('\n')).not.toContain('s30─');
    // At the very top the window is full, not one line.
    const top = text(layoutFlow({ messages, lanes: lanes(3), width: 80, height: 10, bottom: 1 }));
    expect(top[1]).toContain('s0─');
    expect(top.filter((l) => l.includes('├'))).toHaveLength(8);
  });

  it('says it is too small when the lanes cannot hold a label, and never draws control characters', () => {
    const small = layoutFlow({ messages: [], lanes: lanes(9), width: 40, height: 10, bottom: 0 });
    expect(small.tooSmall).toMatch(/^too small for the flow view: 9 nodes need 54x4 \(this is 40x10\)/);
    expect(small.lines).toHaveLength(1);
    const evil = msg(1, 2, '\u001b[2Jboom', { type: '\u001b[2Jboom' });
    const f = text(layoutFlow({ messages: [evil], lanes: lanes(2), width: 80, height: 4, bottom: 1 })).join('\n');
    expect(f).not.toContain('\u001b');
    expect(f).toContain('?[2Jboom');
  });
});
