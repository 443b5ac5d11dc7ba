import React, { useRef, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import type { Completion } from '../complete.js';

export interface ReplProps {
  /** Lines entered before this prompt existed (history survives a re-mount). */
  readonly history: readonly string[];
  readonly onSubmit: (line: string) => void;
  readonly onQuit: () => void;
  /** Esc: stop what is running (a chaos command); true if something was stopped. */
  readonly onCancel?: () => boolean;
  readonly complete: (line: string) => Completion;
  readonly onHint: (text: string | null) => void;
  readonly width: number;
  readonly isActive?: boolean;
  /** PageUp/PageDown/Home/End, and Ctrl-G to switch what they scroll. */
  readonly onScroll?: (how: 'page-up' | 'page-down' | 'home' | 'end' | 'switch') => void;
  /** Ctrl-T: the flow view in place of the panes, and back. */
  readonly onToggleFlow?: () => void;
}

type Key = Parameters<Parameters<typeof useInput>[0]>[1];

const NO_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
} as Key;

/**
 * Ink hands over a burst of plain bytes as one input: two control keys sent together (tmux
 * send-keys C-a C-e) would be one unknown key. Split such a chunk into keys, one per byte.
 */
export function splitControlBurst(input: string): { input: string; key: Key }[] | null {
  // eslint-disable-next-line no-control-regex -- control bytes are what this looks for
  if (input.length < 2 || input.startsWith('\u001b') || !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(input)) return null;
  return [...input].map((ch) => {
    const code = ch.charCodeAt(0);
    if (ch === '\r' || ch === '\n') return { input: '', key: { ...NO_KEY, return: true } };
    if (ch === '\t') return { input: '', key: { ...NO_KEY, tab: true } };
    if (ch === '\u007f' || ch === '\b') return { input: '', key: { ...NO_KEY, backspace: true } };
    if (code < 32) return { input: String.fromCharCode(code + 96), key: { ...NO_KEY, ctrl: true } };
    return { input: ch, key: NO_KEY };
  });
}

const MAX_INPUT = 4096;
const MAX_HISTORY = 500;

export function Repl({ history, onSubmit, onQuit, onCancel, complete, onHint, width, isActive = true, onScroll, onToggleFlow }: ReplProps): React.JSX.Element {
  // Keys can arrive faster than React re-renders, so the handler works on refs, and the state
  // copy of the line only drives rendering.
  const [{ value, cursor }, setShown] = useState({ value: '', cursor: 0 });
  const valueRef = useRef('');
  /** Where typing goes: 0..value.length (readline keys move it). */
  const cursorRef = useRef(0);
  const histIdxRef = useRef<number | null>(null);
  const draftRef = useRef('');
  // History is kept here, appended on Enter, so an arrow key right after Enter already sees it.
  const historyRef = useRef<string[]>([...history]);
  /** A new line, with the cursor at its end unless told otherwise. */
  const setValue = (next: string, at = next.length) => {
    valueRef.current = next;
    cursorRef.current = Math.max(0, Math.min(at, next.length));
    setShown({ value: valueRef.current, cursor: cursorRef.current });
  };
  const setHistIdx = (i: number | null) => {
    histIdxRef.current = i;
  };
  const setDraft = (d: string) => {
    draftRef.current = d;
  };

  const handleKey = (input: string, key: Key): void => {
      const value = valueRef.current;
      const cur = cursorRef.current;
      const histIdx = histIdxRef.current;
      const draft = draftRef.current;
      const history = historyRef.current;
      if (key.ctrl && input === 'c') {
        onQuit();
        return;
      }
      if (key.ctrl && input === 'd') {
        // As in readline: quit on an empty line, otherwise delete the character under the cursor.
        if (value === '') onQuit();
        else setValue(value.slice(0, cur) + value.slice(cur + 1), cur);
        return;
      }
      const submit = (raw: string) => {
        const line = raw.trim();
        setValue('');
        setHistIdx(null);
        setDraft('');
        onHint(null);
        if (line !== '') {
          if (history[history.length - 1] !== line) history.push(line);
          if (history.length > MAX_HISTORY) history.shift();
          onSubmit(line);
        }
      };
      if (key.return) {
        submit(value);
        return;
      }
      if (key.upArrow) {
        if (history.length === 0) return;
        const next = histIdx === null ? history.length - 1 : Math.max(0, histIdx - 1);
        if (histIdx === null) setDraft(value);
        setHistIdx(next);
        setValue(history[next] ?? '');
        return;
      }
      if (key.downArrow) {
        if (histIdx === null) return;
        const next = histIdx + 1;
        if (next >= history.length) {
          setHistIdx(null);
          setValue(draft);
        } else {
          setHistIdx(next);
          setValue(history[next] ?? '');
        }
        return;
      }
      if (key.tab) {
        const c = complete(value);
        setValue(c.line);
        onHint(c.candidates.length > 1 ? c.candidates.join('  ') : null);
        return;
      }
      // Terminals disagree on whether Backspace is \b or DEL; Ink reports the latter as delete.
      if (key.backspace || key.delete) {
        if (cur > 0) setValue(value.slice(0, cur - 1) + value.slice(cur), cur - 1);
        return;
      }
      if (key.leftArrow || (key.ctrl && input === 'b')) return setValue(value, cur - 1);
      if (key.rightArrow || (key.ctrl && input === 'f')) return setValue(value, cur + 1);
      if (key.ctrl && input === 'a') return setValue(value, 0);
      if (key.ctrl && input === 'e') return setValue(value, value.length);
      if (key.ctrl && input === 'k') return setValue(value.slice(0, cur), cur);
      if (key.ctrl && input === 'u') return setValue(value.slice(cur), 0);
      if (key.ctrl && input === 'w') {
        const start = value.slice(0, cur).replace(/\S*\s*$/, '').length;
        return setValue(value.slice(0, start) + value.slice(cur), start);
      }
      if (key.escape) {
        if (onCancel?.() === true) return;
        setValue('');
        onHint(null);
        return;
      }
      if (onScroll !== undefined) {
        if (key.pageUp) return onScroll('page-up');
        if (key.pageDown) return onScroll('page-down');
        if (key.home) return onScroll('home');
        if (key.end) return onScroll('end');
        if (key.ctrl && input === 'g') return onScroll('switch');
      }
      if (onToggleFlow !== undefined && key.ctrl && input === 't') return onToggleFlow();
      if (key.ctrl || key.meta || key.pageUp || key.pageDown || key.home || key.end) return;
      if (input !== '') {
        // Pasted text (or keys sent in one burst, as tmux send-keys does) arrives as one chunk:
        // every line break in it submits the line so far.
        const printable = (t: string) => [...t].filter((ch) => ch >= ' ' && ch !== '\u007f').join('');
        const parts = input.split(/\r\n|\r|\n/);
        parts.forEach((part, i) => {
          const v = valueRef.current;
          const at = cursorRef.current;
          const text = printable(part).slice(0, Math.max(0, MAX_INPUT - v.length));
          const line = v.slice(0, at) + text + v.slice(at);
          if (i < parts.length - 1) submit(line);
          else setValue(line, at + text.length);
        });
      }
  };
  useInput(
    (input, key) => {
      const keys = splitControlBurst(input);
      if (keys === null) handleKey(input, key);
      else for (const k of keys) handleKey(k.input, k.key);
    },
    { isActive },
  );

  const prompt = 'paxos> ';
  // The line scrolls sideways to keep the cursor (one cell, past the end at most) in view.
  const room = Math.max(1, width - prompt.length - 1);
  const start = value.length + 1 > room ? Math.min(Math.max(0, cursor - room + 1), value.length + 1 - room) : 0;
  const shown = value.slice(start, start + room);
  const at = cursor - start;
  const under = shown[at];
  return (
    <Box width={width}>
      <Text>
        <Text color="cyan" bold>
          {prompt}
        </Text>
        {shown.slice(0, at)}
        {under === undefined ? <Text color="gray">█</Text> : <Text inverse>{under}</Text>}
        {shown.slice(at + 1)}
      </Text>
    </Box>
  );
}
