// Every OAuth 2.0, API key, basic and two-step entry of the whole catalog (providers.yaml and every
// file in providers/, whoever adds it) has a `verify` request or says why not (`verifyUnavailable`).
// The entries below predate the rule (issue 27) and are being given one from their providers' docs:
// the list may only shrink, and an entry that gains a verify must leave it.
import { describe, expect, it } from 'vitest';
import { readCatalog } from '../src/catalog/index.js';

const CHECKED_AUTH_TYPES = new Set(['OAUTH2', 'API_KEY', 'BASIC', 'TWO_STEP']);
/**
 * Grants with no user behind the credential (a service's own client credentials, a signed assertion, an
 * app installation): issue 27's "non-machine entries" are all the others, OAuth 1.0a included.
 */
const MACHINE_AUTH_TYPES = new Set(['OAUTH2_CLIENT_CREDENTIALS', 'JWT_BEARER', 'GITHUB_APP', 'SELF_SIGNED_JWT']);
/** The share of non-machine entries with a verify request reached so far (issue 27 asks for 0.90); it may only rise. */
const MINIMUM_VERIFY_COVERAGE = 0.94;

/** Entries written before the rule, still without verify or a reason (to be worked off, never added to). */
const WITHOUT_VERIFY_YET = new Set<string>(['voyage', 'netsuite', 'gotomeeting', 'plivo', 'onesignal', 'highlevel', 'algolia', 'productboard']);

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

  it('the share of non-machine entries with a verify request does not fall below the figure reached', () => {
    const nonMachine = catalog.filter((entry) => !MACHINE_AUTH_TYPES.has(entry.authType));
    const coverage = nonMachine.filter((entry) => entry.verify).length / nonMachine.length;
    console.info(`verify coverage: ${(coverage * 100).toFixed(1)} % of ${nonMachine.length} non-machine entries`);
    expect(coverage).toBeGreaterThanOrEqual(MINIMUM_VERIFY_COVERAGE);
  });

  it('identity is read from an answer that exists', () => {
    for (const entry of catalog.filter((candidate) => candidate.identity)) {
      if (entry.identity!.from === 'verify') expect(entry.verify, entry.key).toBeDefined();
    }
  });
});
