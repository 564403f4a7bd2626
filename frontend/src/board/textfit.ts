// A port of whiteboard_app/textfit.py: the same estimate, so text wraps on the page
// exactly as in the server's export (parity test: src/test/textfit.test.ts).
export const CHAR_WIDTH_EM = 0.55;
export const LINE_HEIGHT_EM = 1.3;

export const charWidth = (fontSize: number) => fontSize * CHAR_WIDTH_EM;
export const lineHeight = (fontSize: number) => fontSize * LINE_HEIGHT_EM;

// Python's str.split() and splitlines() boundaries.
const PY_SPACE = /[\s\u001c-\u001f\u0085]+/u;
const PY_LINES = /\r\n|[\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029]/u;

function splitlines(text: string): string[] {
  if (!text) return [];
  const parts = text.split(PY_LINES);
  if (PY_LINES.test(text.slice(-1)) || text.endsWith("\r\n")) parts.pop();
  return parts;
}

/** Greedy word wrap into lines no wider than maxWidth; longer words are cut. Counts
 * code points, as Python's len() does. */
export function wrapText(text: string, fontSize: number, maxWidth: number): string[] {
  const perLine = Math.max(1, Math.floor(maxWidth / charWidth(fontSize) + 1e-6));
  const lines: string[] = [];
  const paragraphs = splitlines(text);
  for (const paragraph of paragraphs.length ? paragraphs : [""]) {
    let current: string[] = [];
    for (let word of paragraph.split(PY_SPACE).filter(Boolean).map((w) => [...w])) {
      while (word.length > perLine) {
        if (current.length) {
          lines.push(current.join(""));
          current = [];
        }
        lines.push(word.slice(0, perLine).join(""));
        word = word.slice(perLine);
      }
      const candidate = current.length ? [...current, " ", ...word] : word;
      if (candidate.length <= perLine) {
        current = candidate;
      } else {
        lines.push(current.join(""));
        current = word;
      }
    }
    lines.push(current.join(""));
  }
  return lines;
}

export function textSize(text: string, fontSize: number, maxWidth: number): [number, number] {
  const lines = wrapText(text, fontSize, maxWidth);
  const width = Math.max(...lines.map((l) => [...l].length)) * charWidth(fontSize);
  return [Math.max(width, charWidth(fontSize)), lines.length * lineHeight(fontSize)];
}
