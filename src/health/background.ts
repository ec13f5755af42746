// The activity log's and health checks' background work, started and stopped with the server:
// scheduled health checks (HEALTH_CHECK_INTERVAL_SECONDS, off by default), the retention sweep of
// operations, and, on stop, the last flush of the activity buffer.
import type { Config } from '../config.js';
import { activityRecorder } from '../activity/recorder.js';
import { deleteExpiredOperations } from '../activity/retention.js';
import { logger } from '../logger.js';
import { runEvery, type PeriodicTask } from '../periodic.js';
import { runHealthCheckSweep } from './scheduler.js';

const RETENTION_SWEEP_MS = 10 * 60_000;

export interface ActivityServices {
  stop(): Promise<void>;
}

export function startActivityServices(cfg: Config): ActivityServices {
  const tasks: PeriodicTask[] = [];
  if (cfg.activity.enabled && cfg.activity.retentionDays > 0) {
    tasks.push(
      runEvery(RETENTION_SWEEP_MS, async () => {
        try {
          const deleted = await deleteExpiredOperations({ retentionDays: cfg.activity.retentionDays });
          if (deleted) logger.info({ deleted }, 'old operations deleted');
        } catch (error) {
          logger.warn({ err: { name: (error as Error).name, message: (error as Error).message } }, 'operations retention sweep failed');
        }
      }),
    );
  }
  const interval = cfg.activity.healthCheckIntervalSeconds;
  if (interval > 0) {
    // Several sweeps per interval, each a small batch: the checks spread out instead of bursting.
    const period = Math.min(60, Math.max(5, interval / 4)) * 1000;
    tasks.push(
      runEvery(period, async () => {
        try {
          const result = await runHealthCheckSweep({ intervalSeconds: interval, batchSize: cfg.activity.healthCheckBatchSize });
          if (result.claimed) logger.info(result, 'health check sweep');
        } catch (error) {
          logger.warn({ err: { name: (error as Error).name, message: (error as Error).message } }, 'health check sweep failed');
        }
      }),
    );
  }
  return {
    async stop() {
      await Promise.all(tasks.map((task) => task.stop()));
      await activityRecorder.stop();
    },
  };
}
