/**
 * What a bench started (a database, a temporary directory, servers), undone in
 * reverse order once: on the way out, or on Ctrl-C or SIGTERM, so an
 * interrupted bench leaves no database or process behind.
 */
export class Cleanups {
  private readonly steps: (() => unknown)[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly say: (message: string) => void) {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(
        signal,
        () => void this.run().finally(() => process.exit(signal === "SIGINT" ? 130 : 143)),
      );
    }
  }

  /** Registers one step; steps run last first. */
  add(step: () => unknown): void {
    this.steps.push(step);
  }

  /** Runs every step once (later calls wait for the first); a failing step is reported, the rest still run. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        await Promise.resolve()
          .then(step)
          .catch((error: Error) => this.say(`cleanup: ${error.message}`));
      }
    })();
    return this.running;
  }
}
