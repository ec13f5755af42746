import { Link } from 'wouter';
import { graphql } from '../gql';
import type { OperationKind, OperationRowFragment } from '../gql/graphql';
import { Empty, When } from '../ui';

export const OPERATION_KINDS: OperationKind[] = ['CONNECT', 'DISCONNECT', 'PROXY', 'REFRESH', 'VERIFY', 'WEBHOOK'];

graphql(`
  fragment OperationRow on Operation {
    id
    at
    kind
    outcome
    integrationSlug
    connectionId
    ownerId
    method
    path
    providerStatus
    durationMs
    error
  }
`);

export function OperationsTable({ operations, showConnection }: { operations: OperationRowFragment[]; showConnection: boolean }) {
  if (operations.length === 0)
    return (
      <Empty>
        <p>No operations match. Connecting, refreshing, proxied calls, checks and webhook deliveries appear here.</p>
      </Empty>
    );
  return (
    <div className="table-wrap">
      <table data-testid="operations-table">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Kind</th>
            <th scope="col">Outcome</th>
            {showConnection ? <th scope="col">Connection</th> : null}
            <th scope="col">Call</th>
            <th scope="col">Provider status</th>
            <th scope="col">Duration</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {operations.map((operation) => (
            <tr key={operation.id} className={operation.outcome === 'FAILURE' ? 'failed' : undefined}>
              <td>
                <When at={operation.at} />
              </td>
              <td>{operation.kind}</td>
              <td>
                <span className={`badge badge-${operation.outcome.toLowerCase()}`}>{operation.outcome}</span>
              </td>
              {showConnection ? (
                <td>
                  {operation.connectionId ? (
                    <Link href={`/connections/${encodeURIComponent(operation.connectionId)}`}>{operation.integrationSlug}</Link>
                  ) : (
                    operation.integrationSlug
                  )}
                  {operation.ownerId ? <span className="muted"> · {operation.ownerId}</span> : null}
                </td>
              ) : null}
              <td>{operation.method ? <code>{`${operation.method} ${operation.path ?? ''}`}</code> : <span className="muted">—</span>}</td>
              <td>{operation.providerStatus ?? <span className="muted">—</span>}</td>
              <td>{operation.durationMs != null ? `${Math.round(operation.durationMs)} ms` : '—'}</td>
              <td className="error-text">{operation.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
