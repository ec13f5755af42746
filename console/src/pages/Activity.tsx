import { useQuery } from 'urql';
import { graphql } from '../gql';
import { parsed } from '../document';
import type { OperationKind, OperationOutcome } from '../gql/graphql';
import { ErrorMessage, Loading, IntegrationFilter, useFilters } from '../ui';
import { OperationsTable, OPERATION_KINDS } from './OperationsTable';

const ActivityQuery = parsed(
  graphql(`
    query ConsoleActivity($first: Int!, $after: String, $kind: OperationKind, $outcome: OperationOutcome, $integration: String, $since: DateTime) {
      operations(first: $first, after: $after, kind: $kind, outcome: $outcome, integration: $integration, since: $since) {
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            ...OperationRow
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

const PERIODS: Record<string, number> = { '1h': 3600, '24h': 86_400, '7d': 7 * 86_400 };

export function Activity() {
  const [params, update] = useFilters();
  const kind = (params.get('kind') || undefined) as OperationKind | undefined;
  const outcome = (params.get('outcome') || undefined) as OperationOutcome | undefined;
  const integration = params.get('integration') || undefined;
  const period = params.get('period') || '';
  const after = params.get('after') || undefined;
  // Rounded to the minute, so that the same filters are the same query (and the same cache entry).
  const since = PERIODS[period] ? new Date(Math.floor((Date.now() - PERIODS[period]! * 1000) / 60_000) * 60_000).toISOString() : undefined;
  const [{ data, fetching, error }] = useQuery({ query: ActivityQuery, variables: { first: 50, after, kind, outcome, integration, since } });

  return (
    <section>
      <h1>Activity</h1>
      <div className="filters" role="group" aria-label="Filter activity">
        <label>
          Outcome
          <select value={outcome ?? ''} onChange={(event) => update({ outcome: event.target.value || undefined })}>
            <option value="">All</option>
            <option value="FAILURE">Failures</option>
            <option value="SUCCESS">Successes</option>
          </select>
        </label>
        <label>
          Kind
          <select value={kind ?? ''} onChange={(event) => update({ kind: event.target.value || undefined })}>
            <option value="">All</option>
            {OPERATION_KINDS.map((value) => (
              <option key={value}>{value}</option>
            ))}
          </select>
        </label>
        <IntegrationFilter value={integration} integrations={data?.integrations.edges} onChange={(slug) => update({ integration: slug })} />
        <label>
          Since
          <select value={period} onChange={(event) => update({ period: event.target.value || undefined })}>
            <option value="">Any time</option>
            <option value="1h">Last hour</option>
            <option value="24h">Last 24 hours</option>
            <option value="7d">Last 7 days</option>
          </select>
        </label>
      </div>
      <ErrorMessage error={error} />
      {!data && fetching ? <Loading what="operations" /> : null}
      {data ? <OperationsTable operations={data.operations.edges.map((edge) => edge.node)} showConnection /> : null}
      {data?.operations.pageInfo.hasNextPage ? (
        <div className="pager">
          <button type="button" className="secondary" onClick={() => update({ after: data.operations.pageInfo.endCursor ?? undefined })}>
            Older
          </button>
        </div>
      ) : null}
    </section>
  );
}
