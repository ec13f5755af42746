import { useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { Link } from 'wouter';
import { parsed } from '../document';
import { graphql } from '../gql';
import type { ProviderWebhookOutcome } from '../gql/graphql';
import { Empty, ErrorMessage, Loading, When, IntegrationFilter, useFilters } from '../ui';

const PAGE_SIZE = 50;
const OUTCOMES: ProviderWebhookOutcome[] = ['FORWARDED', 'UNMATCHED', 'REJECTED', 'HANDSHAKE', 'DUPLICATE'];

const ProviderWebhooksQuery = parsed(
  graphql(`
    query ConsoleProviderWebhooks($first: Int!, $after: String, $integration: String, $outcome: ProviderWebhookOutcome) {
      providerWebhooks(first: $first, after: $after, integration: $integration, outcome: $outcome) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            receivedAt
            eventType
            providerEventId
            outcome
            payload
            integration {
              id
              slug
              name
              providerWebhookUrl
            }
            connections {
              id
              name
            }
          }
        }
      }
      integrations(first: 100) {
        edges {
          node {
            id
            slug
            name
          }
        }
      }
    }
  `),
);

const Received = parsed(
  graphql(`
    subscription ConsoleProviderWebhookReceived($integration: String) {
      providerWebhookReceived(integration: $integration) {
        id
      }
    }
  `),
);

/** The log of webhooks providers sent: verified or refused, matched to connections, forwarded to the app. */
export function ProviderWebhooks() {
  const [params, update] = useFilters();
  const integration = params.get('integration') || undefined;
  const outcome = (params.get('outcome') || undefined) as ProviderWebhookOutcome | undefined;
  const after = params.get('after') || undefined;
  const [{ data, fetching, error }, reexecute] = useQuery({ query: ProviderWebhooksQuery, variables: { first: PAGE_SIZE, after, integration, outcome } });
  // New webhooks are counted, not inserted, so the rows being read do not move.
  const [arrived, setArrived] = useState(0);
  useSubscription({ query: Received, variables: { integration } }, (_previous: unknown, event) => {
    setArrived((count) => count + 1);
    return event;
  });

  const rows = data?.providerWebhooks.edges.map((edge) => edge.node) ?? [];
  return (
    <section>
      <h1>Provider webhooks</h1>
      <p className="muted">Webhooks that providers send to Switchboard: their signature checked, matched to connections and forwarded to your app.</p>
      <div className="filters" role="group" aria-label="Filter provider webhooks">
        <IntegrationFilter value={integration} integrations={data?.integrations.edges} onChange={(slug) => update({ integration: slug })} />
        <label>
          Outcome
          <select value={outcome ?? ''} onChange={(event) => update({ outcome: event.target.value || undefined })}>
            <option value="">All</option>
            {OUTCOMES.map((value) => (
              <option key={value}>{value}</option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setArrived(0);
            reexecute({ requestPolicy: 'network-only' });
          }}
        >
          {arrived ? `Show ${arrived} new` : 'Reload'}
        </button>
      </div>
      <ErrorMessage error={error} />
      {!data && fetching ? <Loading what="provider webhooks" /> : null}
      {data && rows.length === 0 ? (
        <Empty>
          <p>No provider webhooks{integration || outcome ? ' match these filters' : ' yet'}.</p>
          <p>
            Register an integration&apos;s provider webhook URL (on its <Link href="/integrations">integration page</Link>) with the provider; what it sends
            appears here.
          </p>
        </Empty>
      ) : null}
      {rows.length ? (
        <>
          <p className="muted" role="status">
            {data!.providerWebhooks.totalCount} webhook{data!.providerWebhooks.totalCount === 1 ? '' : 's'}
          </p>
          <div className="table-wrap">
            <table data-testid="provider-webhooks-table">
              <thead>
                <tr>
                  <th scope="col">Received</th>
                  <th scope="col">Integration</th>
                  <th scope="col">Event</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Connections</th>
                  <th scope="col">Payload</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.id} className={row.outcome === 'REJECTED' ? 'failed' : undefined}>
                    <td>
                      <When at={row.receivedAt} />
                    </td>
                    <td>{row.integration.name}</td>
                    <td>
                      {row.eventType ?? <span className="muted">—</span>}
                      {row.providerEventId ? <div className="muted">{row.providerEventId}</div> : null}
                    </td>
                    <td>
                      <span className={`badge badge-${row.outcome.toLowerCase()}`}>{row.outcome}</span>
                    </td>
                    <td>
                      {row.connections.length ? (
                        <ul className="plain">
                          {row.connections.map((connection) => (
                            <li key={connection.id}>
                              <Link href={`/connections/${encodeURIComponent(connection.id)}`}>{connection.name}</Link>
                            </li>
                          ))}
                        </ul>
                      ) : (
                        <span className="muted">none</span>
                      )}
                    </td>
                    <td>
                      {row.payload == null ? (
                        <span className="muted">—</span>
                      ) : (
                        <details>
                          <summary>Show</summary>
                          <pre className="code" tabIndex={0}>
                            {JSON.stringify(row.payload, null, 2)}
                          </pre>
                        </details>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {data!.providerWebhooks.pageInfo.hasNextPage ? (
            <div className="pager">
              <button type="button" className="secondary" onClick={() => update({ after: data!.providerWebhooks.pageInfo.endCursor ?? undefined })}>
                Older
              </button>
            </div>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
