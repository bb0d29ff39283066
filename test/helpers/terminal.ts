/**
 * What a person sees on a terminal after a stream of text with the control sequences a progress bar
 * uses (carriage return, cursor moves, save and restore, clearing), as lines: enough to tell a
 * message that stays on screen from one a redraw overwrote.
 */
export function screen(output: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  let saved = { row: 0, col: 0 };
  const put = (ch: string) => {
    const line = lines[row] ?? '';
    lines[row] = line.padEnd(col).slice(0, col) + ch + line.slice(col + 1);
    col++;
  };
  const moveTo = (r: number) => {
    row = Math.max(0, r);
    while (lines.length <= row) lines.push('');
  };
  for (let i = 0; i < output.length; i++) {
    const ch = output[i]!;
    if (ch === '\n') {
      moveTo(row + 1);
      col = 0;
    } else if (ch === '\r') {
      col = 0;
    } else if (ch === '\x1b') {
      const rest = output.slice(i + 1);
      if (rest.startsWith('7')) {
        saved = { row, col };
        i += 1;
        continue;
      }
      if (rest.startsWith('8')) {
        moveTo(saved.row);
        col = saved.col;
        i += 1;
        continue;
      }
      const csi = /^\[(\??)(\d*)([A-Za-z])/.exec(rest);
      if (!csi) continue;
      i += csi[0].length;
      const [, privateMode, digits, command] = csi;
      if (privateMode) continue; // cursor visibility, line wrapping
      const n = digits === '' ? undefined : Number(digits);
      const line = lines[row] ?? '';
      if (command === 'K') lines[row] = n === 2 ? '' : n === 1 ? ' '.repeat(col) + line.slice(col) : line.slice(0, col);
      else if (command === 'J') {
        lines.length = row + 1;
        lines[row] = line.slice(0, col);
      } else if (command === 'G') col = (n ?? 1) - 1;
      else if (command === 'A') moveTo(row - (n ?? 1));
      else if (command === 'B') moveTo(row + (n ?? 1));
      else if (command === 'C') col += n ?? 1;
      else if (command === 'D') col = Math.max(0, col - (n ?? 1));
    } else {
      put(ch);
    }
  }
  return lines.map((line) => line.trimEnd());
}
