// Fitting text into terminal cells. Widths come from string-width (a CJK character or an emoji
// takes two cells), so a column of 12 cells holds 12 cells whatever the script.
import stringWidth from 'string-width';

export function cells(text: string): number {
  return stringWidth(text);
}

/** The longest prefix of `text` that fits `width` cells. */
function takeCells(chars: readonly string[], width: number): string {
  let out = '';
  let used = 0;
  for (const ch of chars) {
    const w = stringWidth(ch);
    if (used + w > width) break;
    out += ch;
    used += w;
  }
  return out;
}

function graphemes(text: string): string[] {
  return [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].map((s) => s.segment);
}

/** `text` cut at its end with `…` to at most `width` cells (no padding). */
export function clipEnd(text: string, width: number): string {
  if (width <= 0) return '';
  if (stringWidth(text) <= width) return text;
  return takeCells(graphemes(text), width - 1) + '…';
}

/** `text` cut and padded to exactly `width` cells. */
export function fitCells(text: string, width: number): string {
  const t = clipEnd(text, width);
  return t + ' '.repeat(Math.max(0, width - stringWidth(t)));
}

/**
 * `text` in at most `width` cells with its middle replaced by `…`, so both ends stay: a path's
 * file name, a verdict at the end of a line.
 */
export function clipMiddle(text: string, width: number): string {
  if (width <= 0) return '';
  if (stringWidth(text) <= width) return text;
  if (width < 8) return clipEnd(text, width);
  const g = graphemes(text);
  const tailWidth = Math.floor((width - 1) * 0.45);
  const head = takeCells(g, width - 1 - tailWidth);
  let room = width - 1 - stringWidth(head);
  let tail = '';
  let i = g.length - 1;
  for (; i >= 0; i--) {
    const w = stringWidth(g[i] as string);
    if (w > room) break;
    tail = (g[i] as string) + tail;
    room -= w;
  }
  // A tail that starts mid-word ("istory.json") reads worse than one that starts at a word or
  // path boundary a few cells earlier ("/history.json"): take those cells from the head.
  let back = '';
  for (let j = i; j >= 0 && j > i - 8; j--) {
    back = (g[j] as string) + back;
    if (g[j] === '/' || g[j] === ' ') {
      const need = stringWidth(back) - room;
      const shorter = need > 0 ? takeCells(graphemes(head), stringWidth(head) - need) : head;
      if (stringWidth(shorter) >= 4) return shorter + '…' + back + tail;
      break;
    }
  }
  return head + '…' + tail;
}

/** `text` broken into lines of at most `width` cells (at most `maxLines`, the last one clipped). */
export function wrapCells(text: string, width: number, maxLines = Infinity): string[] {
  if (width <= 0) return [''];
  const lines: string[] = [];
  let line = '';
  let used = 0;
  for (const ch of graphemes(text)) {
    const w = stringWidth(ch);
    if (used + w > width) {
      lines.push(line);
      line = '';
      used = 0;
    }
    line += ch;
    used += w;
  }
  lines.push(line);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = clipMiddle(lines.slice(maxLines - 1).join(''), width);
  return kept;
}

/** `text` broken at spaces into lines of at most `width` cells (a longer word is cut). */
export function wrapWords(text: string, width: number, maxLines = Infinity): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line === '' ? word : `${line} ${word}`;
    if (cells(next) <= width) line = next;
    else {
      if (line !== '') lines.push(line);
      line = cells(word) <= width ? word : clipEnd(word, width);
    }
  }
  lines.push(line);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = clipMiddle(lines.slice(maxLines - 1).join(' '), width);
  return kept;
}
