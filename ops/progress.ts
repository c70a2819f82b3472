/**
 * Progress of a long CLI operation (ipdr verify, lam inject, spool verify): a bar on a terminal
 * (cli-progress, on stderr), plain lines when stderr is not a terminal or the output is JSON — at
 * most one a second, plus the last. Results are written as they come (`result`), never held to the
 * end; on a terminal they scroll above the bar.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';

export interface ProgressOptions {
  /** What is counted: "files", "RUs". */
  unit: string;
  total: number;
  /** The command's name, at the start of plain progress lines. */
  label: string;
  /** Machine-readable output: no bar. */
  json?: boolean;
  out?: NodeJS.WriteStream;
  err?: NodeJS.WriteStream;
}

const PLAIN_EVERY_MS = 1000;

export class Progress {
  private readonly out: NodeJS.WriteStream;
  private readonly err: NodeJS.WriteStream;
  private readonly multi: MultiBar | undefined;
  private readonly bar: SingleBar | undefined;
  private done = 0;
  private note = '';
  private lastPlain = 0;

  constructor(private readonly o: ProgressOptions) {
    this.out = o.out ?? process.stdout;
    this.err = o.err ?? process.stderr;
    if (this.err.isTTY && !o.json) {
      this.multi = new MultiBar(
        {
          stream: this.err,
          format: `${o.label} [{bar}] {value}/{total} ${o.unit} {percentage}% eta {eta_formatted} {note}`,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        },
        Presets.shades_classic,
      );
      this.bar = this.multi.create(o.total, 0, { note: '' });
    }
  }

  /** One result line, written now (above the bar on a terminal). */
  result(line: string): void {
    if (this.multi && this.out.isTTY) this.multi.log(`${line}\n`);
    else this.out.write(`${line}\n`);
  }

  /** `n` more done; `note` e.g. "2 with problems". */
  advance(n = 1, note = this.note): void {
    this.done += n;
    this.note = note;
    if (this.bar) {
      this.bar.update(this.done, { note });
      return;
    }
    const now = Date.now();
    if (now - this.lastPlain >= PLAIN_EVERY_MS) {
      this.lastPlain = now;
      this.plain();
    }
  }

  /** Removes the bar (or writes the last plain line). */
  stop(): void {
    if (this.multi) {
      this.multi.update(); // writes the result lines it still holds (stop() would drop them)
      this.multi.stop();
    } else if (this.lastPlain !== 0) this.plain();
  }

  private plain(): void {
    const { label, unit, total } = this.o;
    const note = this.note ? `, ${this.note}` : '';
    this.err.write(`${label}: ${this.done}/${total} ${unit}${note}\n`);
  }
}
