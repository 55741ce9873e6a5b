/**
 * Watches one restore stream for a client that stopped reading: progress is a message flushed to
 * the connection (its write callback) — grpc-js shows no finer progress, and messages are at most
 * about 1 MiB, so a reader slower than 1 MiB per stall counts as stalled. While any written message waits to be flushed and none has
 * been for `stallMs`, `onStall` runs once. Polls at a quarter of the stall (at most every second),
 * so a cut-off comes between 1× and 1.25× the stall after the last progress.
 */
export class RestoreStallWatch {
  private unflushed = 0;
  private lastProgress = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private done = false;

  constructor(
    private readonly stallMs: number,
    private readonly onStall: () => void,
  ) {}

  /** A message was handed to the stream; call the returned function when it is flushed. */
  written(): () => void {
    if (this.done) return () => undefined;
    if (this.unflushed === 0) this.lastProgress = Date.now();
    this.unflushed++;
    this.timer ??= setInterval(() => this.check(), Math.min(1000, Math.max(25, this.stallMs / 4)));
    let once = false;
    return () => {
      if (once) return;
      once = true;
      this.unflushed--;
      this.lastProgress = Date.now();
    };
  }

  /** The call ended: stop watching. */
  stop(): void {
    this.done = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    if (this.done || this.unflushed === 0 || Date.now() - this.lastProgress < this.stallMs) return;
    this.stop();
    this.onStall();
  }
}
