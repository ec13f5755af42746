// The docs checks catch what they are for: each is fed a broken page (or snippet) and must say so,
// and a sound one, which must pass.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSchema } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { graphqlProblems, headingAnchor, linkProblems, outputProblem, readPage, unmarkedCurlProblems, type Page } from '../helpers/docs.js';
import { runBlock } from '../helpers/docs-run.js';

const schema = buildSchema(`
  type Query { connection(id: ID!): Connection }
  type Connection { id: ID! status: String! }
`);
const fence = '```';
const page = (text: string, file = 'docs/page.md') => readPage(file, text);

describe('docs checks: GraphQL documents', () => {
  it('passes a document that validates', () => {
    expect(graphqlProblems(page(`${fence}graphql\n{ connection(id: "1") { id status } }\n${fence}\n`), schema)).toEqual([]);
  });

  it('reports a field the schema does not have, with the line of the block', () => {
    const problems = graphqlProblems(page(`# Title\n\n${fence}graphql\n{ connection(id: "1") { id colour } }\n${fence}\n`), schema);
    expect(problems).toEqual([expect.stringMatching(/^docs\/page\.md:3: Cannot query field "colour" on type "Connection"/)]);
  });

  it('reports a syntax error and a missing argument', () => {
    expect(graphqlProblems(page(`${fence}graphql\n{ connection(id: "1") { id \n${fence}\n`), schema)).toEqual([expect.stringContaining('Syntax Error')]);
    expect(graphqlProblems(page(`${fence}graphql\n{ connection { id } }\n${fence}\n`), schema)).toEqual([expect.stringContaining('argument "id"')]);
  });

  it('lets a block opt out with a reason, and not without one', () => {
    expect(graphqlProblems(page(`<!-- docs-test: skip a deliberately wrong example -->\n${fence}graphql\n{ nope }\n${fence}\n`), schema)).toEqual([]);
    const unexplained = page(`<!-- docs-test: skip -->\n${fence}graphql\n{ nope }\n${fence}\n`);
    expect(unexplained.problems).toEqual([expect.stringContaining('needs a reason')]);
    expect(graphqlProblems(unexplained, schema)).toEqual([expect.stringContaining('Cannot query field "nope"')]);
  });
});

describe('docs checks: code blocks and directives', () => {
  it('reports a block that is never closed, and a fence opening inside a block', () => {
    expect(page(`${fence}graphql\n{ a }\n\n## Webhooks\n`).problems).toEqual(['line 1: the code block opened here is never closed']);
    const swallowed = page(`${fence}graphql\nmutation {\n\n## Webhooks\n\n${fence}graphql\n{ a }\n${fence}\n`);
    expect(swallowed.problems).toEqual([expect.stringContaining('line 6: a fence opening (```graphql) inside the block opened at line 1')]);
    expect(swallowed.anchors.has('webhooks')).toBe(false);
  });

  it('reports an unknown directive, a run directive with no block, and an output with no run before it', () => {
    expect(page('<!-- docs-test: runn -->\n').problems).toEqual(['line 1: unknown directive "docs-test: runn"']);
    expect(page('<!-- docs-test: run -->\nSome text.\n').problems).toEqual(['line 1: "docs-test: run" is not followed by a code block']);
    expect(page(`<!-- docs-test: output -->\n${fence}text\nhi\n${fence}\n`).problems).toEqual([expect.stringContaining('must follow a block marked')]);
  });

  it('orders runs, their outputs and steps as the page does', () => {
    const read = page(
      `<!-- docs-test: run -->\n${fence}sh\ncurl x\n${fence}\n\n<!-- docs-test: output -->\n${fence}text\nok\n${fence}\n\n<!-- docs-test: step sign-in -->\n\nThen:\n\n<!-- docs-test: run -->\n${fence}js\nx\n${fence}\n`,
    );
    expect(read.problems).toEqual([]);
    expect(read.actions.map((action) => (action.kind === 'run' ? `${action.block.lang}${action.output ? '+output' : ''}` : `step ${action.name}`))).toEqual([
      'sh+output',
      'step sign-in',
      'js',
    ]);
  });

  it('requires every curl block to be run or skipped', () => {
    expect(unmarkedCurlProblems(page(`${fence}sh\ncurl -s http://localhost:4000/health\n${fence}\n`))).toEqual([
      expect.stringContaining('docs/page.md:1: a curl block must be marked'),
    ]);
    expect(unmarkedCurlProblems(page(`<!-- docs-test: skip needs a JWT -->\n${fence}sh\ncurl -s x\n${fence}\n${fence}sh\nnpm test\n${fence}\n`))).toEqual([]);
  });
});

describe('docs checks: links', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-docs-links-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.mkdirSync(path.join(root, 'docs'));
  fs.writeFileSync(path.join(root, 'docs/other.md'), '# Other page\n\n## Calling the provider’s API: `proxyRequest`\n\n## Tokens\n\n## Tokens\n');
  fs.writeFileSync(path.join(root, 'README.md'), '# Readme\n');
  const check = (text: string, absent: string[] = []) => {
    const checked = page(text);
    const pages = new Map<string, Page>([[checked.file, checked]]);
    return linkProblems(checked, pages, root, absent);
  };

  it('follows GitHub heading ids: punctuation dropped, repeats numbered', () => {
    const seen = new Map<string, number>();
    expect(headingAnchor('From a browser or GraphiQL: credentials, CSRF, Apollo', seen)).toBe('from-a-browser-or-graphiql-credentials-csrf-apollo');
    expect(headingAnchor("Calling the provider's API", seen)).toBe('calling-the-providers-api');
    expect(headingAnchor('Tokens', seen)).toBe('tokens');
    expect(headingAnchor('Tokens', seen)).toBe('tokens-1');
    expect(headingAnchor('`npm run dev` and [the console](console.md)', seen)).toBe('npm-run-dev-and-the-console');
  });

  it('passes links to pages, headings and well-formed URLs', () => {
    expect(
      check(
        '# Page\n\n## Here\n\n[a](other.md) [b](other.md#tokens-1) [c](#here) [d](../README.md) [e](https://example.com/x) <https://www.standardwebhooks.com/> [f](mailto:a@b.c)\n',
      ),
    ).toEqual([]);
  });

  it('reports a missing page, a missing anchor, a path out of the repository and a malformed URL', () => {
    expect(check('[a](gone.md)\n')).toEqual(['docs/page.md:1: gone.md does not exist']);
    expect(check('[a](other.md#nope)\n')).toEqual(['docs/page.md:1: other.md#nope: docs/other.md has no heading #nope']);
    expect(check('# Page\n\n[a](#elsewhere)\n')).toEqual(['docs/page.md:3: #elsewhere: docs/page.md has no heading #elsewhere']);
    expect(check('[a](../../shared/security-checklist.md)\n')).toEqual([expect.stringContaining('points outside the repository')]);
    expect(check('[a](https://)\n[b](http:/example)\n')).toHaveLength(2);
  });

  it('ignores links in code, and accepts a page another branch adds only while it is absent', () => {
    expect(check('`[a](gone.md)`\n\n```md\n[b](gone.md)\n```\n')).toEqual([]);
    expect(check('[a](clients.md)\n', ['docs/clients.md'])).toEqual([]);
    expect(check('[a](other.md#nope)\n', ['docs/other.md'])).toEqual([expect.stringContaining('has no heading #nope')]);
  });
});

describe('docs checks: outputs and runs', () => {
  it('compares JSON as a subset where "…" matches anything, and text line by line', () => {
    expect(outputProblem('{"data":{"a":1,"b":"…"}}', '{"data":{"a":1,"b":[2],"c":3}}')).toBeUndefined();
    expect(outputProblem('{"data":{"a":1}}', '{"data":{"a":2}}')).toMatch(/\$\.data\.a: expected 1, got 2/);
    expect(outputProblem('{"a":1}', 'not json')).toMatch(/printed no JSON/);
    expect(outputProblem('200 sandbox-user', '200 sandbox-user\n')).toBeUndefined();
    expect(outputProblem('200 sandbox-user', '404 nobody')).toMatch(/printed\n404 nobody\ninstead of\n200 sandbox-user/);
  });

  it('runs a js and an sh block, with the docs address rewritten, and reports a failing or different one', async () => {
    const [printing, failing, shell, different] = page(
      [
        `${fence}js\nconsole.log(new URL('http://localhost:4000/graphql').host)\n${fence}`,
        `${fence}js\nthrow new Error('the snippet is broken')\n${fence}`,
        `${fence}sh\necho "$SWITCHBOARD_URL" http://localhost:4000\n${fence}`,
        `${fence}sh\necho something else\n${fence}`,
      ].join('\n\n'),
    ).blocks;
    const base = 'http://127.0.0.1:1';
    expect(await runBlock(printing!, base)).toEqual({ output: '127.0.0.1:1\n', problem: undefined });
    expect((await runBlock(failing!, base)).problem).toMatch(/exited with 1: [\s\S]*the snippet is broken/);
    expect((await runBlock(shell!, base)).output).toBe(`${base} ${base}\n`);
    const expected = page(`${fence}text\nwhat the page shows\n${fence}\n`).blocks[0]!;
    expect((await runBlock(different!, base, { expected })).problem).toMatch(/printed\nsomething else\ninstead of\nwhat the page shows/);
    expect((await runBlock({ line: 1, lang: 'python', code: 'print(1)' }, base)).problem).toMatch(/cannot run a python block/);
  });

  it('reports a GraphQL block that answers an error or a typed error', async () => {
    const { createServer } = await import('node:http');
    const answers = [
      { errors: [{ message: 'Cannot query field "nope"' }] },
      { data: { startConnect: { __typename: 'ValidationError', message: 'No integration "acme".' } } },
    ];
    const server = createServer((_req, res) => res.end(JSON.stringify(answers.shift())));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const block = { line: 1, lang: 'graphql', code: '{ nope }' };
      expect((await runBlock(block, url)).problem).toMatch(/Cannot query field "nope"/);
      expect((await runBlock(block, url)).problem).toMatch(/answered ValidationError: No integration "acme"\./);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
