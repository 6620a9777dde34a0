import type { EngineQueueState } from "./protocol.ts";

interface Job {
  owner: string;
  start(): void;
  /** Told its place whenever the line moves (1 = next). */
  onPosition?: (position: number) => void;
}

/**
 * One turn at a time, first come first served. A job that is cancelled while waiting leaves the
 * line at once (its promise rejects with the signal's reason) and everyone behind moves up; a
 * running job gets the same signal and is expected to stop within about a second.
 */
export class TurnQueue {
  #waiting: Job[] = [];
  #running: Job | undefined;
  readonly #onChange: () => void;

  constructor(onChange: () => void = () => {}) {
    this.#onChange = onChange;
  }

  get state(): EngineQueueState {
    return {
      ...(this.#running ? { running: this.#running.owner } : {}),
      waiting: this.#waiting.map((j) => j.owner),
    };
  }

  get busy(): boolean {
    return this.#running !== undefined || this.#waiting.length > 0;
  }

  /** Runs `work` when its turn comes; `onPosition` hears its place while it waits. */
  run<T>(
    owner: string,
    signal: AbortSignal | undefined,
    work: () => Promise<T>,
    onPosition?: (position: number) => void,
  ): Promise<T> {
    signal?.throwIfAborted();
    return new Promise<T>((resolve, reject) => {
      const job: Job = {
        owner,
        ...(onPosition ? { onPosition } : {}),
        start: () => {
          signal?.removeEventListener("abort", leave);
          Promise.resolve()
            .then(work)
            .then(resolve, reject)
            .finally(() => {
              this.#running = undefined;
              this.#next();
            });
        },
      };
      const leave = () => {
        const at = this.#waiting.indexOf(job);
        if (at < 0) return;
        this.#waiting.splice(at, 1);
        reject(signal?.reason);
        this.#tellPositions();
        this.#onChange();
      };
      signal?.addEventListener("abort", leave, { once: true });
      this.#waiting.push(job);
      if (this.#running) {
        onPosition?.(this.#waiting.length);
        this.#onChange();
      } else this.#next();
    });
  }

  #next(): void {
    const job = this.#waiting.shift();
    this.#running = job;
    this.#tellPositions();
    this.#onChange();
    job?.start();
  }

  #tellPositions(): void {
    this.#waiting.forEach((job, i) => {
      job.onPosition?.(i + 1);
    });
  }
}
