// The embedded database's start: its directory locked (one writer), seeded from the build's template
// when new, and PGlite started on its own thread. Kept apart from database.ts and light to import, so
// that main.ts starts it first and the database comes up on another core while this thread loads the
// application's modules.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import type { Logger } from '../kernel/log.js';
import { startPGliteThread, type EmbeddedClient, type StatementListener } from './pglite-thread.js';
import { seedFromTemplate } from './pglite-template.js';
import type { DatabaseSettings } from './settings.js';

export interface EmbeddedDatabase {
  client: EmbeddedClient;
  /** Told of every statement and its time on the database's thread (Database.onStatement). */
  statementListeners: Set<StatementListener>;
  /** Stops PGlite and releases the directory's lock. */
  close(): Promise<void>;
}

/** Another process holds the embedded database's directory (two writers would corrupt it). */
class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

/** The lock is refreshed this often, and taken over when not refreshed for DATA_DIR_LOCK_STALE_MS (a crashed holder). */
const DATA_DIR_LOCK_UPDATE_MS = 3_000;
const DATA_DIR_LOCK_STALE_MS = 10_000;

/**
 * An exclusive lock on the embedded database's directory, held while the process runs (a lock
 * directory beside it whose mtime the holder keeps fresh: proper-lockfile). Returns the release.
 */
function lockDataDir(dataDir: string, logger: Logger): () => void {
  const lockDir = `${dataDir}.lock`;
  const take = () =>
    lockfile.lockSync(dataDir, {
      realpath: false,
      lockfilePath: lockDir,
      stale: DATA_DIR_LOCK_STALE_MS,
      update: DATA_DIR_LOCK_UPDATE_MS,
      onCompromised: (error) => {
        // Someone else may now be writing the same files: stop at once rather than corrupt them.
        logger.fatal({ err: error, dataDir }, 'lost the lock on the data directory');
        process.exit(1);
      },
    });
  let release: () => void;
  try {
    release = take();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    // A holder that crashed on this host (a restart right after a kill) need not be waited out.
    if (!holderIsGone(lockDir)) {
      throw new DataDirLockedError(
        `The data directory ${dataDir} is in use by another Switchboard process (lock ${lockDir}). ` +
          `Stop it, or give this one another DATA_DIR (a crashed server's lock frees itself within ${DATA_DIR_LOCK_STALE_MS / 1000} s).`,
      );
    }
    fs.rmSync(lockDir, { recursive: true, force: true });
    release = take();
  }
  // Beside the lock, not in it: proper-lockfile owns the lock directory's mtime.
  fs.writeFileSync(`${lockDir}-holder`, `${os.hostname()} ${process.pid} ${PROCESS_TOKEN} ${processStart(process.pid) ?? '-'}`);
  return release;
}

/** Tells this process's lock holder file from one a previous process with the same pid wrote (per process, not per app). */
const PROCESS_TOKEN = randomBytes(8).toString('hex');

/**
 * A process's state and start time (clock ticks since boot) from /proc/<pid>/stat, or undefined
 * where there is no /proc (or no such process). The command name may hold spaces and parentheses:
 * the fields are read after its last ')'.
 */
function procStat(pid: number): { state: string; start: string } | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state (field 3), …, starttime (field 22).
  return { state: fields[0] ?? '', start: fields[19] ?? '' };
}

function processStart(pid: number): string | undefined {
  return procStat(pid)?.start;
}

/**
 * Whether the lock's holder was a process on this host that no longer runs: gone, a zombie (killed,
 * not yet reaped by its parent: a process manager restarting at once sees one), or its pid now
 * belongs to another process (a start time other than the one the holder wrote; or our own pid:
 * a container restarted with the same pid). Holders on another host (a shared volume) are judged by
 * the lock's staleness only.
 */
function holderIsGone(lockDir: string): boolean {
  let holder: string;
  try {
    holder = fs.readFileSync(`${lockDir}-holder`, 'utf8');
  } catch {
    return false;
  }
  const [host, pidText, token, start] = holder.trim().split(' ');
  const pid = Number(pidText);
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return token !== PROCESS_TOKEN;
  const stat = procStat(pid);
  if (stat) {
    if (stat.state === 'Z' || stat.state === 'X') return true;
    if (start && start !== '-' && stat.start !== start) return true;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Starts the embedded database in settings.dataDir (or in memory for memory://). `onStopped` is told
 * if its thread stops other than by close(): every statement fails from then on (main.ts exits, so
 * that the process manager starts it again).
 */
export function startEmbeddedDatabase(settings: DatabaseSettings, logger: Logger, onStopped?: (error: Error) => void): EmbeddedDatabase {
  const warn = (error: Error, message: string) => logger.warn({ err: error }, message);
  const inMemory = settings.dataDir.startsWith('memory://');
  const dataDir = inMemory ? 'memory://' : path.resolve(settings.dataDir, 'pglite');
  if (!inMemory) fs.mkdirSync(dataDir, { recursive: true });
  const releaseLock = inMemory ? () => {} : lockDataDir(dataDir, logger);
  if (!inMemory) seedFromTemplate(dataDir, { warn });
  const statementListeners = new Set<StatementListener>();
  const client = startPGliteThread({
    dataDir,
    sharedBuffersMb: settings.embeddedSharedBuffersMb,
    optimizingCompiler: settings.embeddedOptimizingCompiler,
    statementListeners,
    onStopped(error) {
      logger.error({ err: error }, 'the embedded database stopped: every statement fails until Switchboard is restarted');
      onStopped?.(error);
    },
  });
  return {
    client,
    statementListeners,
    async close() {
      await client.close();
      releaseLock();
    },
  };
}
