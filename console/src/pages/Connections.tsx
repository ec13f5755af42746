import { useEffect, useState, type FormEvent } from 'react';
import { useQuery, useSubscription } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql';
import { parsed } from '../document';
import type { ConnectionStatus } from '../gql/graphql';
import { Empty, ErrorMessage, Loading, Status, When, IntegrationFilter, useFilters } from '../ui';

const PAGE_SIZE = 25;
const STATUSES: ConnectionStatus[] = ['HEALTHY', 'EXPIRED', 'ERROR', 'DISCONNECTED'];

const ConnectionsQuery = parsed(
  graphql(`
    query ConsoleConnections(
      $first: Int!
      $after: String
      $integration: String
      $status: ConnectionStatus
      $ownerId: String
      $search: String
      $tags: JSONObject
    ) {
      connections(first: $first, after: $after, integration: $integration, status: $status, ownerId: $ownerId, search: $search, tags: $tags) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            name
            displayName
            tags
            ownerId
            isShared
            status
            statusMessage
            lastUsedAt
            tokenExpiresAt
            updatedAt
            integration {
              id
              slug
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

const StatusChanges = parsed(
  graphql(`
    subscription ConsoleStatusChanges($integration: String) {
      connectionStatusChanged(integration: $integration) {
        connectionId
        status
        reason
        at
      }
    }
  `),
);

/** `a=1, b=2` as { a: "1", b: "2" }. */
function tagsFrom(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const separator = pair.indexOf('=');
    if (separator > 0) tags[pair.slice(0, separator).trim()] = pair.slice(separator + 1).trim();
  }
  return tags;
}

export function TagList({ tags }: { tags: Record<string, unknown> }) {
  const entries = Object.entries(tags);
  if (!entries.length) return null;
  return (
    <ul className="tags" aria-label="Tags">
      {entries.map(([key, value]) => (
        <li key={key}>
          {key}={String(value)}
        </li>
      ))}
    </ul>
  );
}

interface LiveStatus {
  status: ConnectionStatus;
  reason?: string | null;
  at: string;
}

export function Connections() {
  const [params, update] = useFilters();
  const integration = params.get('integration') || undefined;
  const status = (params.get('status') || undefined) as ConnectionStatus | undefined;
  const ownerId = params.get('owner') || undefined;
  const search = params.get('search') || undefined;
  const tagText = params.get('tags') || undefined;
  const tags = tagText ? tagsFrom(tagText) : undefined;
  const after = params.get('after') || undefined;
  const [draft, setDraft] = useState({ owner: ownerId ?? '', search: search ?? '', tags: tagText ?? '' });
  useEffect(() => setDraft({ owner: ownerId ?? '', search: search ?? '', tags: tagText ?? '' }), [ownerId, search, tagText]);

  const [{ data, fetching, error }] = useQuery({ query: ConnectionsQuery, variables: { first: PAGE_SIZE, after, integration, status, ownerId, search, tags } });
  // Status changes pushed by the server update the rows in place, with no reload.
  const [live, setLive] = useState<Record<string, LiveStatus>>({});
  useSubscription({ query: StatusChanges, variables: { integration } }, (_previous: unknown, event) => {
    const change = event.connectionStatusChanged;
    setLive((current) => ({ ...current, [change.connectionId]: { status: change.status, reason: change.reason, at: change.at } }));
    return event;
  });

  function submitText(event: FormEvent) {
    event.preventDefault();
    update({ owner: draft.owner.trim() || undefined, search: draft.search.trim() || undefined, tags: draft.tags.trim() || undefined });
  }

  const rows = data?.connections.edges.map((edge) => edge.node) ?? [];
  return (
    <section>
      <h1>Connections</h1>
      <form className="filters" onSubmit={submitText} aria-label="Filter connections">
        <IntegrationFilter value={integration} integrations={data?.integrations.edges} onChange={(slug) => update({ integration: slug })} />
        <label>
          Status
          <select value={status ?? ''} onChange={(event) => update({ status: event.target.value || undefined })}>
            <option value="">All</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <label>
          Owner
          <input value={draft.owner} onChange={(event) => setDraft({ ...draft, owner: event.target.value })} placeholder="end user id" />
        </label>
        <label>
          Name
          <input type="search" value={draft.search} onChange={(event) => setDraft({ ...draft, search: event.target.value })} placeholder="contains…" />
        </label>
        <label>
          Tags
          <input value={draft.tags} onChange={(event) => setDraft({ ...draft, tags: event.target.value })} placeholder="organizationId=42, plan=pro" />
        </label>
        <button type="submit">Apply</button>
      </form>
      <ErrorMessage error={error} />
      {!data && fetching ? <Loading what="connections" /> : null}
      {data && rows.length === 0 ? (
        <Empty>
          <p>No connections{integration || status || ownerId || search || tags ? ' match these filters' : ' yet'}.</p>
          <p>
            Users connect through your app or a <Link href="/connect-links">connect link</Link>; an integration must exist first (
            <Link href="/integrations/new">create one</Link>).
          </p>
        </Empty>
      ) : null}
      {rows.length > 0 ? (
        <>
          <p className="muted" role="status">
            {data!.connections.totalCount} connection{data!.connections.totalCount === 1 ? '' : 's'}
          </p>
          <div className="table-wrap">
            <table data-testid="connections-table">
              <thead>
                <tr>
                  <th scope="col">Connection</th>
                  <th scope="col">Integration</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Token expires</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => {
                  const current = live[row.id];
                  return (
                    <tr key={row.id} data-connection-id={row.id}>
                      <td>
                        <Link href={`/connections/${encodeURIComponent(row.id)}`}>{row.name}</Link>
                        {row.displayName ? <div className="muted">{row.displayName}</div> : null}
                        <TagList tags={row.tags} />
                      </td>
                      <td>{row.integration.name}</td>
                      <td>{row.isShared ? <span className="muted">shared</span> : row.ownerId}</td>
                      <td className="status-cell" title={current?.reason ?? row.statusMessage ?? undefined}>
                        <Status status={current?.status ?? row.status} />
                      </td>
                      <td>
                        <When at={row.lastUsedAt} />
                      </td>
                      <td>
                        <When at={row.tokenExpiresAt} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <div className="pager">
            {after ? (
              <button type="button" className="secondary" onClick={() => update({ after: undefined })}>
                First page
              </button>
            ) : null}
            {data!.connections.pageInfo.hasNextPage ? (
              <button type="button" className="secondary" onClick={() => update({ after: data!.connections.pageInfo.endCursor ?? undefined })}>
                Next page
              </button>
            ) : null}
          </div>
        </>
      ) : null}
    </section>
  );
}
