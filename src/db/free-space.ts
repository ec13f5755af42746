// Free space in DATA_DIR for the embedded database. PGlite writes its WAL in 16 MB segments: when a
// new segment does not fit, writes fail and the embedded server can hang, so the instance says it is
// not ready (/ready 503, with the reason) before that, while it still answers /health; a gauge and a
// throttled warning come earlier, under STORAGE_WARN_FREE_MB. Measured with statfs every few seconds
// (one system call), never per request. Space freed is seen at the next measurement: readiness comes
// back without a restart.
import fs from 'node:fs';
import type { Logger } from '../kernel/log.js';

const MB = 1024 * 1024;
/** How often free space is measured. */
const MEASURE_EVERY_MS = 5_000;
/** At most one warning this often while space stays low. */
const WARN_EVERY_MS = 60_000;

export interface FreeSpaceWatch {
  /** Free bytes at the last measurement (undefined before the first, or when it cannot be measured). */
  freeBytes(): number | undefined;
  /** Why the instance should not take traffic now (too little space for a new WAL segment), or undefined. */
  notReadyReason(): string | undefined;
  /** Measures now (also done every few seconds). */
  measure(): Promise<void>;
  stop(): void;
}

export function watchFreeSpace(options: { dir: string; minFreeMb: number; warnFreeMb: number; logger: Logger }): FreeSpaceWatch {
  let free: number | undefined;
  let warnedAt = 0;
  let low = false;
  const measure = async () => {
    try {
      const stats = await fs.promises.statfs(options.dir);
      free = stats.bavail * stats.bsize;
    } catch {
      free = undefined;
      return;
    }
    const now = Date.now();
    if (free < options.warnFreeMb * MB && now - warnedAt >= WARN_EVERY_MS) {
      warnedAt = now;
      options.logger.warn(
        { dataDir: options.dir, freeMb: Math.floor(free / MB), warnBelowMb: options.warnFreeMb, notReadyBelowMb: options.minFreeMb },
        'little free space for the embedded database',
      );
    }
    const nowLow = free < options.minFreeMb * MB;
    if (low && !nowLow) options.logger.info({ dataDir: options.dir, freeMb: Math.floor(free / MB) }, 'free space for the embedded database again: ready');
    low = nowLow;
  };
  const timer = setInterval(() => void measure(), MEASURE_EVERY_MS);
  timer.unref();
  void measure();
  return {
    freeBytes: () => free,
    notReadyReason: () =>
      free !== undefined && free < options.minFreeMb * MB
        ? `storage full: ${Math.floor(free / MB)} MB free in DATA_DIR, under STORAGE_MIN_FREE_MB (${options.minFreeMb} MB; a new WAL segment needs 16 MB)`
        : undefined,
    measure,
    stop: () => clearInterval(timer),
  };
}
