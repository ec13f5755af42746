import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql';
import { parsed } from '../document';
import { Empty, ErrorMessage, Loading, firstProblem, outcomeOf } from '../ui';

const IntegrationsQuery = parsed(
  graphql(`
    query ConsoleIntegrations {
      integrations(first: 100) {
        totalCount
        edges {
          node {
            id
            slug
            name
            provider
            authType
            isShared
            all: connections(first: 1) {
              totalCount
            }
            healthy: connections(first: 1, status: HEALTHY) {
              totalCount
            }
            expired: connections(first: 1, status: EXPIRED) {
              totalCount
            }
            failing: connections(first: 1, status: ERROR) {
              totalCount
            }
          }
        }
      }
    }
  `),
);

const DeleteIntegration = parsed(
  graphql(`
    mutation ConsoleDeleteIntegration($integration: String!) {
      deleteIntegration(input: { integration: $integration }) {
        __typename
        ... on DeleteIntegrationPayload {
          deletedIntegrationId
        }
        ... on Error {
          code
          message
        }
      }
    }
  `),
);

export function Integrations() {
  const [{ data, fetching, error }, reexecute] = useQuery({ query: IntegrationsQuery });
  const [deleteState, remove] = useMutation(DeleteIntegration);
  const [notice, setNotice] = useState<string | undefined>();
  const rows = data?.integrations.edges.map((edge) => edge.node) ?? [];

  return (
    <section>
      <div className="heading-row">
        <h1>Integrations</h1>
        <Link className="button" href="/integrations/new">
          New integration
        </Link>
      </div>
      <ErrorMessage error={error ?? firstProblem(deleteState)} />
      <div aria-live="polite">{notice ? <p className="notice">{notice}</p> : null}</div>
      {!data && fetching ? <Loading what="integrations" /> : null}
      {data && rows.length === 0 ? (
        <Empty>
          <p>No integrations yet. An integration is your app&apos;s registration with a provider (its client id and secret, scopes).</p>
          <p>
            <Link href="/integrations/new">Create one from the catalog</Link>.
          </p>
        </Empty>
      ) : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table data-testid="integrations-table">
            <thead>
              <tr>
                <th scope="col">Integration</th>
                <th scope="col">Provider</th>
                <th scope="col">Auth</th>
                <th scope="col">Connections</th>
                <th scope="col">Healthy</th>
                <th scope="col">Expired</th>
                <th scope="col">Failing</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id}>
                  <td>
                    <Link href={`/integrations/${encodeURIComponent(row.slug)}`}>{row.name}</Link> <span className="muted">{row.slug}</span>
                  </td>
                  <td>{row.provider}</td>
                  <td>{row.authType}</td>
                  <td>
                    <Link href={`/connections?integration=${encodeURIComponent(row.slug)}`}>{row.all.totalCount}</Link>
                  </td>
                  <td>{row.healthy.totalCount}</td>
                  <td>{row.expired.totalCount}</td>
                  <td>
                    {row.failing.totalCount ? (
                      <Link href={`/connections?integration=${encodeURIComponent(row.slug)}&status=ERROR`}>{row.failing.totalCount}</Link>
                    ) : (
                      0
                    )}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="danger small"
                      disabled={deleteState.fetching}
                      onClick={() => {
                        const count = row.all.totalCount;
                        const message = `Delete ${row.name}? ${count === 0 ? 'It has no connections.' : `Its ${count} connection${count === 1 ? '' : 's'} will be deleted with it.`}`;
                        if (!window.confirm(message)) return;
                        void remove({ integration: row.slug }).then((result) => {
                          if (outcomeOf(result).payload) {
                            setNotice(`${row.name} deleted.`);
                            reexecute({ requestPolicy: 'network-only' });
                          }
                        });
                      }}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
