import { useState, type FormEvent } from 'react';
import { useQuery } from 'urql';
import { useSearchParams } from 'wouter';
import { graphql } from '../gql';
import { parsed } from '../document';
import { Empty, ErrorMessage, Loading, When } from '../ui';

const AuditQuery = parsed(
  graphql(`
    query ConsoleAuditEvents($first: Int!, $after: String, $action: String, $actor: String) {
      auditEvents(first: $first, after: $after, action: $action, actor: $actor) {
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            id
            at
            actor
            actorKind
            action
            targetId
            changes
            ipAddress
          }
        }
      }
    }
  `),
);

export function AuditTrail() {
  const [params, setParams] = useSearchParams();
  const action = params.get('action') || undefined;
  const actor = params.get('actor') || undefined;
  const after = params.get('after') || undefined;
  const [draft, setDraft] = useState({ action: action ?? '', actor: actor ?? '' });
  const [{ data, fetching, error }] = useQuery({ query: AuditQuery, variables: { first: 50, after, action, actor } });

  function submit(event: FormEvent) {
    event.preventDefault();
    const next = new URLSearchParams();
    if (draft.action.trim()) next.set('action', draft.action.trim());
    if (draft.actor.trim()) next.set('actor', draft.actor.trim());
    setParams(next);
  }

  const rows = data?.auditEvents.edges.map((edge) => edge.node) ?? [];
  return (
    <section>
      <h1>Audit trail</h1>
      <p className="muted">
        Who changed integrations, keys, webhook endpoints and connections, and who read credentials. Secrets show as “changed”, never their values.
      </p>
      <form className="filters" onSubmit={submit} aria-label="Filter the audit trail">
        <label>
          Action
          <input value={draft.action} onChange={(event) => setDraft({ ...draft, action: event.target.value })} placeholder="integration.updated" />
        </label>
        <label>
          Actor
          <input value={draft.actor} onChange={(event) => setDraft({ ...draft, actor: event.target.value })} />
        </label>
        <button type="submit">Apply</button>
      </form>
      <ErrorMessage error={error} />
      {!data && fetching ? <Loading what="the audit trail" /> : null}
      {data && rows.length === 0 ? (
        <Empty>
          <p>Nothing recorded{action || actor ? ' for these filters' : ' yet'}.</p>
        </Empty>
      ) : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Changes</th>
                <th scope="col">Address</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((event) => (
                <tr key={event.id}>
                  <td>
                    <When at={event.at} />
                  </td>
                  <td>
                    {event.actor} <span className="muted">{event.actorKind}</span>
                  </td>
                  <td>
                    <code>{event.action}</code>
                  </td>
                  <td>{event.targetId ? <code>{event.targetId}</code> : <span className="muted">—</span>}</td>
                  <td>
                    {event.changes ? (
                      <pre className="excerpt" tabIndex={0}>
                        {JSON.stringify(event.changes, null, 1)}
                      </pre>
                    ) : null}
                  </td>
                  <td>{event.ipAddress ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {data?.auditEvents.pageInfo.hasNextPage ? (
        <div className="pager">
          <button
            type="button"
            className="secondary"
            onClick={() => {
              const next = new URLSearchParams(params);
              next.set('after', data.auditEvents.pageInfo.endCursor ?? '');
              setParams(next);
            }}
          >
            Older
          </button>
        </div>
      ) : null}
    </section>
  );
}
