// Writes refused at once while the embedded database's disk is (nearly) full: a mutation then gets a
// typed DATABASE_UNAVAILABLE (reason STORAGE_FULL) before any resolver runs, instead of a write that
// fails late or, once a new WAL segment no longer fits, hangs the embedded server. Queries still run.
// The check is a value read (free space is measured every few seconds elsewhere), so it costs nothing.
import { GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export function useStorageGuard(refuseWritesReason: () => string | undefined): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (refuseWritesReason() === undefined) return;
      if (getOperationAST(args.document, args.operationName)?.operation !== 'mutation') return;
      setResultAndStopExecution({
        errors: [
          new GraphQLError('The database is out of disk space: writes are refused until space is freed.', {
            extensions: { code: 'DATABASE_UNAVAILABLE', reason: 'STORAGE_FULL' },
          }),
        ],
      });
    },
  };
}
