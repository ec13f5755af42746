// The docs as data, and the checks that keep them true: code blocks with the docs-test directive on the
// line before them, GitHub's heading anchors, links. test/unit/docs.test.ts and test/docs-run.test.ts
// apply them to README.md and docs/; test/unit/docs-check.test.ts feeds them broken pages.
//
// Directives (an HTML comment on the line before a block, blank lines between allowed):
//   <!-- docs-test: run -->            run the block (graphql, sh with curl, js/mjs, ts) against a server
//   <!-- docs-test: output -->         what the run block before it prints (JSON: a subset, "…" matches
//                                      anything; text: line by line)
//   <!-- docs-test: skip <reason> -->  do not validate or run this block (the reason is required)
//   <!-- docs-test: step <name> -->    (on its own) a step the page describes in words, run by the test
import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, parse, validate, type GraphQLSchema } from 'graphql';

export interface Block {
  line: number;
  lang: string;
  code: string;
  directive?: Directive;
}

export type Directive = { kind: 'run' } | { kind: 'output' } | { kind: 'skip'; reason: string } | { kind: 'step'; name: string };

/** What the test does, in page order: run a block (with the output the page shows, if any), or a step. */
export type Action = { kind: 'run'; block: Block; output?: Block } | { kind: 'step'; name: string; line: number };

export interface Page {
  file: string;
  blocks: Block[];
  actions: Action[];
  anchors: Set<string>;
  links: Array<{ line: number; target: string }>;
  /** Problems found while reading: an unclosed fence, a directive that means nothing. */
  problems: string[];
}

const DIRECTIVE = /^\s*<!--\s*docs-test:\s*(\S+)(?:\s+(.*?))?\s*-->\s*$/;
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;

function readDirective(text: string, line: number, problems: string[]): Directive | undefined {
  const match = DIRECTIVE.exec(text);
  if (!match) return undefined;
  const [, kind, argument = ''] = match;
  if (kind === 'run' || kind === 'output') return { kind };
  if (kind === 'skip') {
    if (argument) return { kind, reason: argument };
    problems.push(`line ${line}: "docs-test: skip" needs a reason`);
    return undefined;
  }
  if (kind === 'step') {
    if (argument) return { kind, name: argument };
    problems.push(`line ${line}: "docs-test: step" needs a name`);
    return undefined;
  }
  problems.push(`line ${line}: unknown directive "docs-test: ${kind}"`);
  return undefined;
}

/** GitHub's id for a heading: lower case, punctuation dropped, spaces as hyphens; repeats get -1, -2… */
export function headingAnchor(heading: string, seen: Map<string, number>): string {
  const text = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
  const count = seen.get(text) ?? 0;
  seen.set(text, count + 1);
  return count ? `${text}-${count}` : text;
}

export function readPage(file: string, text: string): Page {
  const lines = text.split('\n');
  const page: Page = { file, blocks: [], actions: [], anchors: new Set(), links: [], problems: [] };
  const seen = new Map<string, number>();
  let open: { line: number; indent: number; fence: string; lang: string; body: string[]; directive?: Directive } | undefined;
  let pending: { directive: Directive; line: number } | undefined;
  let lastRun: Action | undefined;
  lines.forEach((raw, index) => {
    const line = index + 1;
    const fence = FENCE.exec(raw);
    if (open) {
      if (fence && fence[2]!.startsWith(open.fence[0]!) && fence[2]!.length >= open.fence.length && !fence[3]) {
        const block: Block = { line: open.line, lang: open.lang, code: open.body.join('\n'), directive: open.directive };
        page.blocks.push(block);
        if (block.directive?.kind === 'run') page.actions.push((lastRun = { kind: 'run', block }));
        else if (block.directive?.kind === 'output') {
          if (lastRun?.kind === 'run' && !lastRun.output) lastRun.output = block;
          else page.problems.push(`line ${block.line}: an output block must follow a block marked "docs-test: run"`);
        }
        open = undefined;
      } else {
        if (fence && fence[3] && fence[2]!.startsWith(open.fence[0]!))
          page.problems.push(`line ${line}: a fence opening (${fence[2]}${fence[3]}) inside the block opened at line ${open.line}: is that block closed?`);
        open.body.push(raw.slice(Math.min(open.indent, indentOf(raw))));
      }
      return;
    }
    if (fence) {
      open = { line, indent: fence[1]!.length, fence: fence[2]!, lang: fence[3]!.toLowerCase(), body: [], directive: pending?.directive };
      pending = undefined;
      return;
    }
    const directive = readDirective(raw, line, page.problems);
    if (directive) {
      if (pending?.directive.kind === 'step') page.actions.push({ kind: 'step', name: pending.directive.name, line: pending.line });
      else if (pending) page.problems.push(`line ${pending.line}: "docs-test: ${pending.directive.kind}" is not followed by a code block`);
      pending = { directive, line };
      return;
    }
    if (raw.trim() === '') return;
    if (pending) {
      if (pending.directive.kind === 'step') {
        page.actions.push({ kind: 'step', name: pending.directive.name, line: pending.line });
        lastRun = undefined;
      } else page.problems.push(`line ${pending.line}: "docs-test: ${pending.directive.kind}" is not followed by a code block`);
      pending = undefined;
    }
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw);
    if (heading) page.anchors.add(headingAnchor(heading[1]!, seen));
    for (const id of raw.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) page.anchors.add(id[1]!);
    const prose = raw.replace(/`[^`]*`/g, '');
    for (const link of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) page.links.push({ line, target: link[1]! });
    for (const link of prose.matchAll(/<((?:https?|mailto):[^>\s]+)>/g)) page.links.push({ line, target: link[1]! });
  });
  if (open) page.problems.push(`line ${open.line}: the code block opened here is never closed`);
  if (pending?.directive.kind === 'step') page.actions.push({ kind: 'step', name: pending.directive.name, line: pending.line });
  else if (pending) page.problems.push(`line ${pending.line}: "docs-test: ${pending.directive.kind}" is not followed by a code block`);
  return page;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** README.md and every page under docs/, relative to `root`. */
export function docFiles(root: string): string[] {
  const docs = fs
    .readdirSync(path.join(root, 'docs'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
  return ['README.md', ...docs];
}

export function schemaOf(root: string): GraphQLSchema {
  return buildSchema(fs.readFileSync(path.join(root, 'schema.graphql'), 'utf8'));
}

/** Problems of each graphql block that is not skipped: a syntax error, or what validation says. */
export function graphqlProblems(page: Page, schema: GraphQLSchema): string[] {
  const problems: string[] = [];
  for (const block of page.blocks) {
    if (block.lang !== 'graphql' || block.directive?.kind === 'skip' || block.directive?.kind === 'output') continue;
    try {
      for (const error of validate(schema, parse(block.code))) problems.push(`${page.file}:${block.line}: ${error.message}`);
    } catch (error) {
      problems.push(`${page.file}:${block.line}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return problems;
}

/** Every sh block that calls curl must be run or skipped with a reason, so examples cannot rot unseen. */
export function unmarkedCurlProblems(page: Page): string[] {
  return page.blocks
    .filter((block) => ['sh', 'bash', 'shell', 'console'].includes(block.lang) && /\bcurl\b/.test(block.code) && !block.directive)
    .map((block) => `${page.file}:${block.line}: a curl block must be marked "docs-test: run" or "docs-test: skip <reason>"`);
}

/**
 * Problems of the page's links: a relative file that does not exist (within `root`), an #anchor that is
 * no heading of its page, an external link that is no URL. `absentPages` may be linked while absent
 * (pages another branch adds); once present, they are checked like any other.
 */
export function linkProblems(page: Page, pages: Map<string, Page>, root: string, absentPages: string[] = []): string[] {
  const problems: string[] = [];
  const where = (line: number) => `${page.file}:${line}`;
  for (const { line, target } of page.links) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      if (target.startsWith('mailto:')) continue;
      let url: URL | undefined;
      try {
        url = new URL(target);
      } catch {
        /* reported below */
      }
      if (!url || !/^https?:$/.test(url.protocol) || !(url.hostname.includes('.') || url.hostname === 'localhost'))
        problems.push(`${where(line)}: ${target} is not a well-formed http(s) link`);
      continue;
    }
    const [file = '', anchor] = target.split('#', 2);
    const resolved = file ? path.normalize(path.join(path.dirname(page.file), decodeURIComponent(file))) : page.file;
    if (resolved.startsWith('..')) {
      problems.push(`${where(line)}: ${target} points outside the repository (a clone does not have it)`);
      continue;
    }
    const exists = !file || fs.existsSync(path.join(root, resolved));
    if (!exists) {
      if (!absentPages.includes(resolved)) problems.push(`${where(line)}: ${target} does not exist`);
      continue;
    }
    if (anchor === undefined) continue;
    const linked =
      (file ? pages.get(resolved) : page) ?? (resolved.endsWith('.md') ? readPage(resolved, fs.readFileSync(path.join(root, resolved), 'utf8')) : undefined);
    if (!linked) problems.push(`${where(line)}: ${target} has an anchor, but ${resolved} is not a Markdown page`);
    else if (!linked.anchors.has(anchor)) problems.push(`${where(line)}: ${target}: ${resolved} has no heading #${anchor}`);
  }
  return problems;
}

/** Whether `actual` shows what `expected` does: JSON as a subset ("…" matches anything), text line by line. */
export function outputProblem(expected: string, actual: string): string | undefined {
  let expectedJson: unknown;
  try {
    expectedJson = JSON.parse(expected);
  } catch {
    const want = expected
      .trimEnd()
      .split('\n')
      .map((line) => line.trimEnd());
    const got = actual
      .trimEnd()
      .split('\n')
      .map((line) => line.trimEnd());
    return want.join('\n') === got.join('\n') ? undefined : `printed\n${got.join('\n')}\ninstead of\n${want.join('\n')}`;
  }
  let actualJson: unknown;
  try {
    actualJson = JSON.parse(actual);
  } catch {
    return `printed no JSON: ${actual.slice(0, 300)}`;
  }
  const mismatch = jsonMismatch(expectedJson, actualJson, '$');
  return mismatch && `${mismatch}\nprinted ${JSON.stringify(actualJson).slice(0, 500)}`;
}

function jsonMismatch(expected: unknown, actual: unknown, at: string): string | undefined {
  if (expected === '…') return undefined;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return `${at}: expected ${expected.length} items`;
    for (const [index, item] of expected.entries()) {
      const mismatch = jsonMismatch(item, actual[index], `${at}[${index}]`);
      if (mismatch) return mismatch;
    }
    return undefined;
  }
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return `${at}: expected an object`;
    for (const [key, value] of Object.entries(expected)) {
      if (key === '…') continue;
      const mismatch = jsonMismatch(value, (actual as Record<string, unknown>)[key], `${at}.${key}`);
      if (mismatch) return mismatch;
    }
    return undefined;
  }
  return Object.is(expected, actual) ? undefined : `${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}
