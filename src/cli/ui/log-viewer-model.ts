// The `logs N` viewer's state and keys, pure so paging, search and follow are tested without a
// screen. `top` is the first line shown; following pins the view to the end as lines arrive.

/** The file holds at most 16 MiB (two rotated parts); this many lines is more than that holds. */
export const MAX_VIEWER_LINES = 300_000;

export interface ViewerState {
  readonly lines: readonly string[];
  readonly top: number;
  readonly height: number;
  readonly follow: boolean;
  /** While `/` is being typed: the text so far; null otherwise. */
  readonly searchInput: string | null;
  /** The last search, for `n` and `N`. */
  readonly query: string | null;
  /** The line of the last match (highlighted), or null. */
  readonly match: number | null;
  readonly message: string | null;
}

export interface ViewerKey {
  readonly input: string;
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
  readonly home?: boolean;
  readonly end?: boolean;
  readonly return?: boolean;
  readonly escape?: boolean;
  readonly backspace?: boolean;
  readonly delete?: boolean;
  readonly ctrl?: boolean;
}

export function initialViewer(height: number): ViewerState {
  return { lines: [], top: 0, height: Math.max(1, height), follow: true, searchInput: null, query: null, match: null, message: null };
}

function maxTop(s: { lines: readonly string[]; height: number }): number {
  return Math.max(0, s.lines.length - s.height);
}

function clampTop(s: ViewerState, top: number): number {
  return Math.max(0, Math.min(maxTop(s), top));
}

export function withHeight(s: ViewerState, height: number): ViewerState {
  const next = { ...s, height: Math.max(1, height) };
  return { ...next, top: next.follow ? maxTop(next) : clampTop(next, next.top) };
}

export function appendLines(s: ViewerState, added: readonly string[]): ViewerState {
  if (added.length === 0) return s;
  let lines = [...s.lines, ...added];
  let shift = 0;
  if (lines.length > MAX_VIEWER_LINES) {
    shift = lines.length - MAX_VIEWER_LINES;
    lines = lines.slice(shift);
  }
  const next = { ...s, lines, match: s.match === null || s.match < shift ? null : s.match - shift };
  return { ...next, top: s.follow ? maxTop(next) : clampTop(next, s.top - shift) };
}

/** The next line at or after `from` (before it when backwards) that contains the query, wrapping. */
function find(lines: readonly string[], query: string, from: number, backwards: boolean): number | null {
  const q = query.toLowerCase();
  const n = lines.length;
  for (let k = 0; k < n; k++) {
    const i = backwards ? (((from - k) % n) + n) % n : (from + k) % n;
    if ((lines[i] as string).toLowerCase().includes(q)) return i;
  }
  return null;
}

function jumpTo(s: ViewerState, query: string, from: number, backwards: boolean): ViewerState {
  const at = find(s.lines, query, from, backwards);
  if (at === null) return { ...s, query, match: null, searchInput: null, message: `no match for "${query}"` };
  const top = at >= s.top && at < s.top + s.height ? s.top : clampTop(s, at - Math.floor(s.height / 3));
  return { ...s, query, match: at, top, follow: false, searchInput: null, message: `line ${at + 1} of ${s.lines.length}` };
}

/** The state after a key; `close` when the viewer should go away. */
export function viewerKey(s: ViewerState, key: ViewerKey): ViewerState | 'close' {
  if (s.searchInput !== null) {
    if (key.escape) return { ...s, searchInput: null, message: null };
    if (key.return) {
      const q = s.searchInput;
      if (q === '') return { ...s, searchInput: null };
      return jumpTo(s, q, s.match === null ? s.top : s.match + 1, false);
    }
    if (key.backspace || key.delete) return { ...s, searchInput: s.searchInput.slice(0, -1) };
    if (key.ctrl) return s;
    const text = [...key.input].filter((ch) => ch >= ' ' && ch !== '\u007f').join('');
    return text === '' ? s : { ...s, searchInput: (s.searchInput + text).slice(0, 200) };
  }
  const page = Math.max(1, s.height - 1);
  const scrollTo = (top: number): ViewerState => {
    const t = clampTop(s, top);
    return { ...s, top: t, follow: s.follow && t === maxTop(s), message: null };
  };
  if (key.escape || key.input === 'q') return 'close';
  if (key.pageUp || (key.ctrl && key.input === 'b')) return scrollTo(s.top - page);
  if (key.pageDown || (key.ctrl && key.input === 'f') || key.input === ' ') return scrollTo(s.top + page);
  if (key.upArrow || key.input === 'k') return scrollTo(s.top - 1);
  if (key.downArrow || key.input === 'j') return scrollTo(s.top + 1);
  if (key.home || key.input === 'g') return { ...scrollTo(0), follow: false };
  if (key.end || key.input === 'G') return scrollTo(maxTop(s));
  if (key.input === 'f') {
    const follow = !s.follow;
    return { ...s, follow, top: follow ? maxTop(s) : s.top, message: follow ? 'following: new lines appear at the end' : 'not following' };
  }
  if (key.input === '/') return { ...s, searchInput: '', message: null };
  if ((key.input === 'n' || key.input === 'N') && s.query !== null) {
    const backwards = key.input === 'N';
    const from = s.match === null ? s.top : backwards ? s.match - 1 : s.match + 1;
    return jumpTo(s, s.query, from, backwards);
  }
  return s;
}

/** What the viewer shows: the lines in view and a status line. */
export function viewerFrame(s: ViewerState): { shown: readonly { index: number; text: string }[]; status: string } {
  const shown = s.lines.slice(s.top, s.top + s.height).map((text, i) => ({ index: s.top + i, text }));
  const range = s.lines.length === 0 ? 'no lines yet' : `lines ${s.top + 1}-${s.top + shown.length} of ${s.lines.length}`;
  const status = s.searchInput !== null ? `/${s.searchInput}` : `${range}${s.follow ? ' · following' : ''}${s.message !== null ? ` · ${s.message}` : ''}`;
  return { shown, status };
}
