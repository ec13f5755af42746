// Every OAuth 2.0, API key, basic and two-step entry of the whole catalog (providers.yaml and every
// file in providers/, whoever adds it) has a `verify` request or says why not (`verifyUnavailable`).
// The entries below predate the rule (issue 27) and are being given one from their providers' docs:
// the list may only shrink, and an entry that gains a verify must leave it.
import { describe, expect, it } from 'vitest';
import { readCatalog } from '../src/catalog/index.js';

const CHECKED_AUTH_TYPES = new Set(['OAUTH2', 'API_KEY', 'BASIC', 'TWO_STEP']);

/** Entries written before the rule, still without verify or a reason (to be worked off, never added to). */
const WITHOUT_VERIFY_YET = new Set<string>([
  'anthropic',
  'mistral',
  'cohere',
  'groq',
  'perplexity',
  'together',
  'replicate',
  'huggingface',
  'elevenlabs',
  'deepgram',
  'assemblyai',
  'stability',
  'fireworks',
  'openrouter',
  'gemini',
  'pinecone',
  'deepseek',
  'xai',
  'voyage',
  'gocardless',
  'coinbase',
  'woocommerce',
  'chargebee',
  'recurly',
  'paddle',
  'lemon-squeezy',
  'wise',
  'brex',
  'mercury',
  'freshbooks',
  'wave',
  'netsuite',
  'twilio',
  'ringcentral',
  'aircall',
  'dialpad',
  'front',
  'gotomeeting',
  'mailgun',
  'postmark',
  'mailjet',
  'brevo',
  'resend',
  'sparkpost',
  'plivo',
  'telnyx',
  'onesignal',
  'ably',
  'close',
  'attio',
  'affinity',
  'outreach',
  'salesloft',
  'gong',
  'apollo',
  'keap',
  'highlevel',
  'capsule',
  'helpscout',
  'freshservice',
  'servicenow',
  'kustomer',
  'gorgias',
  'zendesk-basic',
  'mixpanel',
  'amplitude',
  'posthog',
  'segment',
  'plausible',
  'algolia',
  'elastic-cloud',
  'openweathermap',
  'google-maps',
  'mapbox',
  'alpha-vantage',
  'newsapi',
  'onelogin',
  'cognito',
  'fitbit',
  'oura',
  'whoop',
  'netlify',
  'vercel',
  'digitalocean',
  'heroku',
  'sentry',
  'pagerduty',
  'circleci',
  'travis-ci',
  'cloudflare',
  'render',
  'supabase',
  'snyk',
  'postman',
  'new-relic',
  'launchdarkly',
  'buildkite',
  'neon',
  'ngrok',
  'fastly',
  'tailscale',
  'sonarcloud',
  'statuspage',
  'opsgenie',
  'incident-io',
  'jira-basic',
  'confluence-basic',
  'zeplin',
  'bitly',
  'productboard',
]);

describe('catalog verify coverage', () => {
  const catalog = readCatalog();
  const checked = catalog.filter((entry) => CHECKED_AUTH_TYPES.has(entry.authType));

  it('every checked entry has verify, or verifyUnavailable saying why', () => {
    const missing = checked.filter((entry) => !entry.verify && !entry.verifyUnavailable && !WITHOUT_VERIFY_YET.has(entry.key)).map((entry) => entry.key);
    expect(missing, 'add a verify request (a cheap authenticated GET from the provider docs) or verifyUnavailable: "why"').toEqual([]);
  });

  it('the list of entries written before the rule only shrinks', () => {
    const keys = new Set(catalog.map((entry) => entry.key));
    const stale = [...WITHOUT_VERIFY_YET].filter(
      (key) => !keys.has(key) || catalog.find((entry) => entry.key === key)!.verify || catalog.find((entry) => entry.key === key)!.verifyUnavailable,
    );
    expect(stale, 'remove these from WITHOUT_VERIFY_YET').toEqual([]);
  });

  it('identity is read from an answer that exists', () => {
    for (const entry of catalog.filter((candidate) => candidate.identity)) {
      if (entry.identity!.from === 'verify') expect(entry.verify, entry.key).toBeDefined();
    }
  });
});
