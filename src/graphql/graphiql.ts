// GraphiQL as Switchboard's own: our name and mark, a short welcome, and the worked example's
// operations as its first tabs (README "A worked example in GraphiQL"). Its requests carry the CSRF
// header, so subscriptions (a GET asking for text/event-stream) pass CSRF prevention too.
import type { GraphiQLOptions } from 'graphql-yoga';

const WELCOME = `# Welcome to Switchboard: an OAuth connection broker with a GraphQL API.
#
# The tabs above follow the worked example, from nothing to a working connection
# through the built-in sandbox provider (development only):
#   1. register the sandbox   2. a connect session   3. open connectUrl, connect
#   4. your connections       5. call its API         6. watch status changes live
#
# In development a request without credentials acts as the admin user "dev".
# Send Authorization: Bearer <JWT> or X-API-Key in Headers to act as someone else.
# Docs: README.md and docs/ in the repository; the schema is in the Docs pane.

query Viewer {
  viewer { userId isAdmin }
}
`;

const TABS: Array<{ query: string; variables?: string }> = [
  { query: WELCOME },
  {
    query: `# 1. Register the sandbox as an integration (no client id or secret to give).
mutation RegisterSandbox {
  createIntegration(input: { slug: "sandbox", provider: "sandbox" }) {
    __typename
    ... on CreateIntegrationPayload { integration { slug issuer apiBaseUrl } }
    ... on ValidationError { message fieldErrors { field message } }
  }
}
`,
  },
  {
    query: `# 2. A connect session for the user who connects (here "dev" itself).
# 3. Then open connectUrl in the browser, press Connect Sandbox, then Allow.
mutation CreateConnectSession {
  createConnectSession(input: { endUserId: "dev", integrations: ["sandbox"] }) {
    __typename
    ... on CreateConnectSessionPayload { connectUrl expiresAt }
  }
}
`,
  },
  {
    query: `# 4. Your connections.
query Connections {
  connections(first: 10) { totalCount edges { node { id name status integration { slug } } } }
}
`,
  },
  {
    query: `# 5. Call the sandbox's API through the connection (/sandbox/api/me says who the token belongs to).
mutation CallTheApi {
  proxyRequest(input: { integration: "sandbox", url: "me" }) {
    __typename
    ... on ProxyResponse { status data }
    ... on Error { code message }
  }
}
`,
  },
  {
    query: `# 6. Status changes as they happen (run it, then connect or disconnect in another tab).
subscription StatusChanges {
  connectionStatusChanged { connectionId status previousStatus reason sequence }
}
`,
  },
];

/** A plug (the broker's mark): inline, so the page loads nothing from elsewhere. */
const MARK = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="28" height="28" aria-label="Switchboard"><rect width="32" height="32" rx="7" fill="#1f6feb"/><circle cx="10" cy="11" r="3" fill="#fff"/><circle cx="22" cy="11" r="3" fill="#fff"/><circle cx="10" cy="21" r="3" fill="#fff"/><circle cx="22" cy="21" r="3" fill="#fff"/><path d="M10 11 L22 21" stroke="#fff" stroke-width="2"/></svg>`;

export const switchboardGraphiQL: GraphiQLOptions = {
  title: 'Switchboard',
  logo: MARK,
  favicon: `data:image/svg+xml,${encodeURIComponent(MARK)}`,
  subscriptionsProtocol: 'SSE',
  defaultQuery: WELCOME,
  defaultTabs: TABS,
  // Every request GraphiQL makes, the event-stream GET of a subscription included.
  additionalHeaders: { 'x-graphql-yoga-csrf': 'graphiql' },
};
