import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Link } from 'wouter';
import { graphql } from '../gql';
import { parsed } from '../document';
import { Empty, ErrorMessage, Loading, When, outcomeOf } from '../ui';
import { CopyText } from './ConnectionPage';

const IntegrationsQuery = parsed(
  graphql(`
    query ConsoleLinkIntegrations {
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

const CreateLink = parsed(
  graphql(`
    mutation ConsoleCreateConnectLink($input: CreateConnectSessionInput!) {
      createConnectSession(input: $input) {
        __typename
        ... on CreateConnectSessionPayload {
          connectUrl
          expiresAt
          session {
            endUserId
            connectionName
            integrations {
              id
              name
            }
          }
        }
        ... on ValidationError {
          fieldErrors {
            field
            message
          }
        }
        ... on Error {
          code
          message
        }
      }
    }
  `),
);

export function ConnectLinks() {
  const [{ data, fetching, error }] = useQuery({ query: IntegrationsQuery });
  const [state, create] = useMutation(CreateLink);
  const [endUserId, setEndUserId] = useState('');
  const [connectionName, setConnectionName] = useState('default');
  const [selected, setSelected] = useState<string[]>([]);
  const [minutes, setMinutes] = useState(30);

  function submit(event: FormEvent) {
    event.preventDefault();
    void create({
      input: {
        endUserId: endUserId.trim(),
        connectionName: connectionName.trim() || 'default',
        integrations: selected.length ? selected : undefined,
        expiresInSeconds: minutes * 60,
      },
    });
  }

  const { payload: link, problem } = outcomeOf(state);
  const integrations = data?.integrations.edges.map((edge) => edge.node) ?? [];
  return (
    <section>
      <h1>Connect links</h1>
      <p className="muted">A link opens the hosted connect page for one end user: they pick an integration and connect their account. Share it with them.</p>
      {!data && fetching ? <Loading what="integrations" /> : null}
      <ErrorMessage error={error} />
      {data && integrations.length === 0 ? (
        <Empty>
          <p>
            There is no integration to connect to yet. <Link href="/integrations/new">Create one</Link> first.
          </p>
        </Empty>
      ) : null}
      {integrations.length > 0 ? (
        <form onSubmit={submit} className="stack">
          <label>
            End user id (required)
            <input required value={endUserId} onChange={(event) => setEndUserId(event.target.value)} placeholder="the id of the user in your app" />
          </label>
          <label>
            Connection name
            <input value={connectionName} onChange={(event) => setConnectionName(event.target.value)} />
          </label>
          <fieldset>
            <legend>Integrations offered (none ticked: all)</legend>
            {integrations.map((integration) => (
              <label key={integration.id} className="check">
                <input
                  type="checkbox"
                  checked={selected.includes(integration.slug)}
                  onChange={(event) =>
                    setSelected(event.target.checked ? [...selected, integration.slug] : selected.filter((slug) => slug !== integration.slug))
                  }
                />
                {integration.name}
              </label>
            ))}
          </fieldset>
          <label>
            Valid for (minutes)
            <input type="number" min={1} max={1440} value={minutes} onChange={(event) => setMinutes(Number(event.target.value) || 30)} />
          </label>
          <button type="submit" disabled={state.fetching}>
            {state.fetching ? 'Creating…' : 'Create connect link'}
          </button>
        </form>
      ) : null}
      <ErrorMessage error={problem} />
      {link ? (
        <div className="notice" data-testid="connect-link">
          <p>
            Link for <strong>{link.session.endUserId}</strong> ({link.session.integrations.map((integration) => integration.name).join(', ')}), valid until{' '}
            <When at={link.expiresAt} />:
          </p>
          <CopyText text={link.connectUrl} label="Copy link" />
        </div>
      ) : null}
    </section>
  );
}
