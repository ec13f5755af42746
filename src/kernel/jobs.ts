// Background work as one list: each job has a name, the setting that paces it, whether it is on,
// and what it runs. The app starts the enabled ones and stops them all; turning one off turns off
// only that one. A periodic job runs about every intervalMs (±20 % jitter, so instances do not move
// in step), never twice at once; a job that runs its own loop (the webhook worker) starts and stops
// itself.
import { withJitter } from './backoff.js';
import type { Logger } from './log.js';

export interface RunningJob {
  /** Stops the job; resolves once its run in progress (if any) has finished. */
  stop(): Promise<void>;
}

export interface Job {
  /** Stable, kebab-case: logs and the docs' table name it. */
  name: string;
  /** The environment variable that paces it (its interval); the docs list it. */
  setting: string;
  enabled: boolean;
  start(): RunningJob;
}

/**
 * A job run every `intervalMs`. `run` is told through `shouldStop` when stop() was called (a long
 * sweep can end early); a failed run is logged, and the next one comes at its time.
 */
export function periodicJob(options: {
  name: string;
  setting: string;
  intervalMs: number;
  enabled?: boolean;
  logger: Logger;
  run: (shouldStop: () => boolean) => Promise<void>;
}): Job {
  return {
    name: options.name,
    setting: options.setting,
    enabled: (options.enabled ?? true) && options.intervalMs > 0,
    start() {
      let timer: NodeJS.Timeout | undefined;
      let running: Promise<void> | undefined;
      let stopped = false;
      const shouldStop = () => stopped;
      const schedule = () => {
        if (stopped) return;
        timer = setTimeout(
          () => {
            running = options
              .run(shouldStop)
              .catch((error: unknown) => options.logger.warn({ err: error, job: options.name }, 'background job failed'))
              .finally(schedule);
          },
          withJitter(options.intervalMs, 0.2),
        );
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
    },
  };
}

export interface RunningJobs {
  /** The names of the jobs started. */
  names: string[];
  /** Stops every job started, in reverse order. */
  stop(): Promise<void>;
}

export function startJobs(jobs: readonly Job[], logger: Logger): RunningJobs {
  const started: Array<{ name: string; running: RunningJob }> = [];
  for (const job of jobs) {
    if (!job.enabled) continue;
    started.push({ name: job.name, running: job.start() });
  }
  logger.debug({ jobs: started.map((job) => job.name) }, 'background jobs started');
  return {
    names: started.map((job) => job.name),
    async stop() {
      for (const { running } of started.reverse()) await running.stop();
    },
  };
}
