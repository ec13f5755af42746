import { lazy, Suspense, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Provider } from 'urql';
import { Link, Redirect, Route, Router, Switch, useLocation } from 'wouter';
import { AccessContext, refusalOf, type Access, type RootField } from './access';
import { createConsoleClient } from './client';
import { readSession, signOut, writtenSession, type Session } from './session';
import { Loading } from './ui';
import { SignIn } from './pages/SignIn';
// The connections table is the first page: it comes with the app; every other page is loaded when first opened.
import { Connections } from './pages/Connections';

const ConnectionPage = lazy(() => import('./pages/ConnectionPage').then((module) => ({ default: module.ConnectionPage })));
const Integrations = lazy(() => import('./pages/Integrations').then((module) => ({ default: module.Integrations })));
const IntegrationForm = lazy(() => import('./pages/IntegrationForm').then((module) => ({ default: module.IntegrationForm })));
const ConnectLinks = lazy(() => import('./pages/ConnectLinks').then((module) => ({ default: module.ConnectLinks })));
const Activity = lazy(() => import('./pages/Activity').then((module) => ({ default: module.Activity })));
const Webhooks = lazy(() => import('./pages/Webhooks').then((module) => ({ default: module.Webhooks })));
const WebhookEndpointPage = lazy(() => import('./pages/WebhookEndpointPage').then((module) => ({ default: module.WebhookEndpointPage })));
const ProviderWebhooks = lazy(() => import('./pages/ProviderWebhooks').then((module) => ({ default: module.ProviderWebhooks })));
const ApiKeys = lazy(() => import('./pages/ApiKeys').then((module) => ({ default: module.ApiKeys })));
const AuditTrail = lazy(() => import('./pages/AuditTrail').then((module) => ({ default: module.AuditTrail })));

/** Each page of the nav, and the root field (so the scope) it needs. */
const NAV: { href: string; label: string; needs: RootField }[] = [
  { href: '/connections', label: 'Connections', needs: 'Query.connections' },
  { href: '/integrations', label: 'Integrations', needs: 'Query.integrations' },
  { href: '/connect-links', label: 'Connect links', needs: 'Mutation.createConnectSession' },
  { href: '/activity', label: 'Activity', needs: 'Query.operations' },
  { href: '/webhooks', label: 'Webhooks', needs: 'Query.webhookEndpoints' },
  { href: '/provider-webhooks', label: 'Provider webhooks', needs: 'Query.providerWebhooks' },
  { href: '/api-keys', label: 'API keys', needs: 'Query.apiKeys' },
  { href: '/audit', label: 'Audit trail', needs: 'Query.auditEvents' },
];

function Navigation({ session, access, onSignOut }: { session: Session; access: Access | undefined; onSignOut: () => void }) {
  const [location] = useLocation();
  const pages = access ? NAV.filter((item) => !refusalOf(access, item.needs)) : [];
  return (
    <header className="top">
      <a className="brand" href="/console/">
        Switchboard
      </a>
      <nav aria-label="Main">
        <ul>
          {pages.map((item) => (
            <li key={item.href}>
              <Link href={item.href} aria-current={location.startsWith(item.href) ? 'page' : undefined}>
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="who">
        <span title="Signed in as">{session.via === 'dev' ? 'dev (development)' : (session.userId ?? '')}</span>
        <button type="button" className="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}

/** A page the key may lack: its content, or the scope it lacks in words (its URL stays shareable). */
function Needs({ field, title, access, children }: { field: RootField; title: string; access: Access | undefined; children: ReactNode }) {
  const refusal = refusalOf(access, field);
  if (!refusal) return <Suspense fallback={<Loading what="the page" />}>{children}</Suspense>;
  return (
    <section>
      <h1>{title}</h1>
      <div role="alert" className="error" data-testid="lacks-scope">
        <strong>FORBIDDEN: </strong>
        {refusal}
      </div>
      <p>Sign in with a key that has it, or ask an admin for one.</p>
    </section>
  );
}

function Console({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const access = useMemo<Access | undefined>(
    () => (session.scopes ? { isAdmin: session.isAdmin ?? false, scopes: session.scopes } : undefined),
    [session.isAdmin, session.scopes],
  );
  const firstPage = access ? (NAV.find((item) => !refusalOf(access, item.needs))?.href ?? '/connections') : '/connections';
  return (
    <AccessContext.Provider value={access}>
      <Router base="/console">
        <Navigation session={session} access={access} onSignOut={onSignOut} />
        <main id="main">
          <Switch>
            <Route path="/">
              <Redirect to={firstPage} />
            </Route>
            <Route path="/connections">
              <Needs field="Query.connections" title="Connections" access={access}>
                <Connections />
              </Needs>
            </Route>
            <Route path="/connections/:id">
              {(params) => (
                <Needs field="Query.node" title="Connection" access={access}>
                  <ConnectionPage id={decodeURIComponent(params.id)} />
                </Needs>
              )}
            </Route>
            <Route path="/integrations">
              <Needs field="Query.integrations" title="Integrations" access={access}>
                <Integrations />
              </Needs>
            </Route>
            <Route path="/integrations/new">
              <Needs field="Mutation.createIntegration" title="New integration" access={access}>
                <IntegrationForm />
              </Needs>
            </Route>
            <Route path="/integrations/:slug">
              {(params) => (
                <Needs field="Query.integration" title="Integration" access={access}>
                  <IntegrationForm slug={decodeURIComponent(params.slug)} />
                </Needs>
              )}
            </Route>
            <Route path="/connect-links">
              <Needs field="Mutation.createConnectSession" title="Connect links" access={access}>
                <ConnectLinks />
              </Needs>
            </Route>
            <Route path="/activity">
              <Needs field="Query.operations" title="Activity" access={access}>
                <Activity />
              </Needs>
            </Route>
            <Route path="/webhooks">
              <Needs field="Query.webhookEndpoints" title="Webhooks" access={access}>
                <Webhooks />
              </Needs>
            </Route>
            <Route path="/webhooks/:id">
              {(params) => (
                <Needs field="Query.webhookEndpoints" title="Webhook endpoint" access={access}>
                  <WebhookEndpointPage id={decodeURIComponent(params.id)} />
                </Needs>
              )}
            </Route>
            <Route path="/provider-webhooks">
              <Needs field="Query.providerWebhooks" title="Provider webhooks" access={access}>
                <ProviderWebhooks />
              </Needs>
            </Route>
            <Route path="/api-keys">
              <Needs field="Query.apiKeys" title="API keys" access={access}>
                <ApiKeys />
              </Needs>
            </Route>
            <Route path="/audit">
              <Needs field="Query.auditEvents" title="Audit trail" access={access}>
                <AuditTrail />
              </Needs>
            </Route>
            <Route>
              <section>
                <h1>Not found</h1>
                <p>
                  There is no page here. <Link href={firstPage}>Go to the first page</Link>.
                </p>
              </section>
            </Route>
          </Switch>
        </main>
      </Router>
    </AccessContext.Provider>
  );
}

export function App() {
  const [session, setSession] = useState<Session | undefined>(writtenSession);
  const [problem, setProblem] = useState<string | undefined>();

  useEffect(() => {
    if (session) return;
    readSession()
      .then(setSession)
      .catch((error: Error) => setProblem(error.message));
    // Only at start: later changes come from signing in and out.
  }, []);

  const signedOut = useCallback(() => setSession({ signedIn: false }), []);
  const client = useMemo(() => (session?.signedIn ? createConsoleClient(signedOut) : undefined), [session?.signedIn, signedOut]);

  if (problem)
    return (
      <p role="alert" className="error page-message">
        {problem}
      </p>
    );
  if (!session)
    return (
      <p className="page-message" aria-busy="true">
        Loading…
      </p>
    );
  if (!session.signedIn || !client) return <SignIn onSignedIn={setSession} />;

  return (
    <Provider value={client}>
      <Console
        session={session}
        onSignOut={() => {
          void signOut().finally(signedOut);
        }}
      />
    </Provider>
  );
}
