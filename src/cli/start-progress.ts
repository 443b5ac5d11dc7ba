// The line a person sees from the first instant of `up` at a terminal, before the UI can draw:
// "starting 5 nodes… 3/5 ready". Rewritten in place; cleared when the UI takes the screen.
import type { Supervisor } from '../cluster/supervisor.js';

export class StartProgress {
  private readonly ready = new Set<number>();
  private readonly exited = new Set<number>();
  private off: (() => void) | null = null;
  private phase: string;

  constructor(
    private total: number,
    private readonly write: (s: string) => void = (s) => void process.stdout.write(s),
  ) {
    this.phase = `starting ${total} node${total === 1 ? '' : 's'}…`;
    this.draw();
  }

  /** What is being done now, e.g. "making keys…". */
  step(phase: string): void {
    this.phase = phase;
    this.draw();
  }

  watch(sup: Pick<Supervisor, 'onEvent' | 'ids'>): void {
    this.total = sup.ids.length;
    this.phase = `starting ${this.total} node${this.total === 1 ? '' : 's'}…`;
    this.off = sup.onEvent((e) => {
      if (e.type === 'node-event' && e.event.event === 'ready') this.ready.add(e.id);
      else if (e.type === 'exited') this.exited.add(e.id);
      else return;
      this.draw();
    });
    this.draw();
  }

  text(): string {
    const down = this.exited.size > 0 ? `, ${this.exited.size} exited` : '';
    return `${this.phase} ${this.ready.size}/${this.total} ready${down}`;
  }

  /** Clears the line (the UI draws from its start). */
  done(): void {
    this.off?.();
    this.off = null;
    this.write('\r\u001b[2K');
  }

  private draw(): void {
    this.write(`\r\u001b[2K${this.text()}`);
  }
}
