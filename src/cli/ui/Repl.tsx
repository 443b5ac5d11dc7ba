import React, { useRef, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import type { Completion } from '../complete.js';

export interface ReplProps {
  /** Lines entered before this prompt existed (history survives a re-mount). */
  readonly history: readonly string[];
  readonly onSubmit: (line: string) => void;
  readonly onQuit: () => void;
  readonly complete: (line: string) => Completion;
  readonly onHint: (text: string | null) => void;
  readonly width: number;
  readonly isActive?: boolean;
}

const MAX_INPUT = 4096;
const MAX_HISTORY = 500;

export function Repl({ history, onSubmit, onQuit, complete, onHint, width, isActive = true }: ReplProps): React.JSX.Element {
  // Keys can arrive faster than React re-renders, so the handler works on refs, and the state
  // copy of the line only drives rendering.
  const [value, setShown] = useState('');
  const valueRef = useRef('');
  const histIdxRef = useRef<number | null>(null);
  const draftRef = useRef('');
  // History is kept here, appended on Enter, so an arrow key right after Enter already sees it.
  const historyRef = useRef<string[]>([...history]);
  const setValue = (next: string | ((v: string) => string)) => {
    valueRef.current = typeof next === 'function' ? next(valueRef.current) : next;
    setShown(valueRef.current);
  };
  const setHistIdx = (i: number | null) => {
    histIdxRef.current = i;
  };
  const setDraft = (d: string) => {
    draftRef.current = d;
  };

  useInput(
    (input, key) => {
      const value = valueRef.current;
      const histIdx = histIdxRef.current;
      const draft = draftRef.current;
      const history = historyRef.current;
      if (key.ctrl && input === 'c') {
        onQuit();
        return;
      }
      if (key.ctrl && input === 'd') {
        if (value === '') onQuit();
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
        setValue((v) => v.slice(0, -1));
        return;
      }
      if (key.ctrl && input === 'u') {
        setValue('');
        return;
      }
      if (key.escape) {
        setValue('');
        onHint(null);
        return;
      }
      if (key.ctrl || key.meta || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown) return;
      if (input !== '') {
        // Pasted text (or keys sent in one burst, as tmux send-keys does) arrives as one chunk:
        // every line break in it submits the line so far.
        const printable = (t: string) => [...t].filter((ch) => ch >= ' ' && ch !== '\u007f').join('');
        const parts = input.split(/\r\n|\r|\n/);
        parts.forEach((part, i) => {
          const line = (valueRef.current + printable(part)).slice(0, MAX_INPUT);
          if (i < parts.length - 1) submit(line);
          else setValue(line);
        });
      }
    },
    { isActive },
  );

  const prompt = 'paxos> ';
  const room = Math.max(1, width - prompt.length - 1);
  const shown = value.length > room ? value.slice(value.length - room) : value;
  return (
    <Box width={width}>
      <Text>
        <Text color="cyan" bold>
          {prompt}
        </Text>
        {shown}
        <Text color="gray">█</Text>
      </Text>
    </Box>
  );
}
