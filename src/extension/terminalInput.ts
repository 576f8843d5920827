/**
 * Keyboard input typed into the guest terminal (a Pseudoterminal), pure. For `linux32` and `dos`
 * the terminal is "cooked" like a tty: local echo, backspace edits, Enter sends the line with `\n`
 * (Ctrl-D sends what is typed, or end of file when the line is empty). For `pc` it is "raw": each
 * keystroke goes to the serial port / keyboard at once and the guest echoes what it wants.
 */

export interface InputResult {
  /** Text for the terminal (local echo), CRLF line ends. */
  echo: string;
  /** Text to send to the guest (x86vm/input), or nothing yet. */
  send: string[];
  /** Ctrl-D on an empty line: end of input. */
  eof?: boolean;
}

export class LineDiscipline {
  private line = '';
  constructor(readonly cooked: boolean) {}

  input(data: string): InputResult {
    if (!this.cooked) return { echo: '', send: data === '' ? [] : [data] };
    let echo = '';
    const send: string[] = [];
    let eof = false;
    for (const ch of data) {
      if (ch === '\r' || ch === '\n') {
        send.push(this.line + '\n');
        this.line = '';
        echo += '\r\n';
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.line.length > 0) {
          this.line = [...this.line].slice(0, -1).join('');
          echo += '\b \b';
        }
      } else if (ch === '\x04') {
        if (this.line === '') eof = true;
        else { send.push(this.line); this.line = ''; }
      } else if (ch === '\x03') {
        this.line = '';
        echo += '^C\r\n';
      } else if (ch === '\x1b') {
        // escape sequences (arrows…) are not line-edited: drop the rest of this chunk
        break;
      } else if (ch >= ' ') {
        this.line += ch;
        echo += ch;
      }
    }
    return eof ? { echo, send, eof } : { echo, send };
  }
}

/** Guest output for a terminal: lone `\n` become CRLF (a tty's onlcr), other bytes pass. */
export function toTerminal(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}
