// Background work on every instance: a task run about every periodMs (±20% jitter, so instances do
// not move in step), never twice at once; stop() waits for the run in progress.

export interface PeriodicTask {
  stop(): Promise<void>;
}

/** `task` is told, through shouldStop, when stop() has been called (a long sweep can end early). */
export function runEvery(periodMs: number, task: (shouldStop: () => boolean) => Promise<void>): PeriodicTask {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const shouldStop = () => stopped;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = task(shouldStop).finally(schedule);
    }, periodMs * (0.8 + Math.random() * 0.4));
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
