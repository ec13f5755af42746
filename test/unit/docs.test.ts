// The docs (README.md and docs/**/*.md) stay true without a server: every GraphQL document validates
// against schema.graphql, every code block is closed, every relative link and #anchor resolves, and
// every curl example is either run by test/docs-run.test.ts or skipped with a reason.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { docFiles, graphqlProblems, linkProblems, readPage, schemaOf, unmarkedCurlProblems, type Page } from '../helpers/docs.js';

const root = path.resolve(import.meta.dirname, '../..');
const pages = new Map<string, Page>(docFiles(root).map((file) => [file, readPage(file, fs.readFileSync(path.join(root, file), 'utf8'))]));
/** Pages written on another branch at the same time; links to them are checked once they exist. */
const ABSENT_PAGES: string[] = [];

describe('docs', () => {
  it('reads README.md and the pages of docs/, with GraphQL documents among them', () => {
    expect([...pages.keys()]).toEqual(expect.arrayContaining(['README.md', 'docs/README.md', 'docs/concepts.md', 'docs/configuration.md']));
    const documents = [...pages.values()].flatMap((page) => page.blocks.filter((block) => block.lang === 'graphql'));
    expect(documents.length).toBeGreaterThan(20);
  });

  it('closes every code block and uses the docs-test directives as meant', () => {
    expect([...pages.values()].flatMap((page) => page.problems.map((problem) => `${page.file}: ${problem}`))).toEqual([]);
  });

  it('has GraphQL documents that parse and validate against schema.graphql', () => {
    const schema = schemaOf(root);
    expect([...pages.values()].flatMap((page) => graphqlProblems(page, schema))).toEqual([]);
  });

  it('resolves every relative link and #anchor, and has well-formed external links', () => {
    const problems = [...pages.values()].flatMap((page) => linkProblems(page, pages, root, ABSENT_PAGES));
    expect(problems).toEqual([]);
    expect([...pages.values()].reduce((count, page) => count + page.links.length, 0)).toBeGreaterThan(50);
  });

  it('runs or skips, with a reason, every curl example', () => {
    expect([...pages.values()].flatMap((page) => unmarkedCurlProblems(page))).toEqual([]);
  });

  it('links every page of docs/ from the index', () => {
    const index = pages.get('docs/README.md')!;
    const linked = new Set(index.links.map((link) => path.normalize(path.join('docs', link.target.split('#')[0]!))));
    const unlisted = [...pages.keys()].filter((file) => file.startsWith('docs/') && file !== 'docs/README.md' && !linked.has(file));
    expect(unlisted).toEqual([]);
  });
});
