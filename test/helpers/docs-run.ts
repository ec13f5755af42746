// Running the docs' runnable blocks against a server: the address the docs use
// (http://localhost:4000) becomes the server's, GraphQL documents are POSTed, sh blocks run in bash,
// js/mjs blocks in node and ts blocks through tsx, each in a temporary directory with a time limit.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { outputProblem, type Action, type Block } from './docs.js';

export const DOCS_URL = 'http://localhost:4000';
const ROOT = path.resolve(import.meta.dirname, '../..');
const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'switchboard-docs');

export interface RunResult {
  /** What the block printed (a GraphQL document: the response body). */
  output: string;
  /** Why the block failed, or why its output differs from what the page shows. */
  problem?: string;
}

const RUNNERS: Record<string, (file: string) => [string, string[]]> = {
  sh: (file) => ['bash', ['-eo', 'pipefail', file]],
  js: (file) => [process.execPath, [file]],
  mjs: (file) => [process.execPath, [file]],
  ts: (file) => [process.execPath, ['--import', 'tsx', file]],
};
const EXTENSIONS: Record<string, string> = { sh: 'sh', js: 'mjs', mjs: 'mjs', ts: 'mts' };

const runnableLanguages = ['graphql', ...Object.keys(RUNNERS)];

function execute(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeout: number,
): Promise<{ stdout: string; stderr: string; failure?: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const failure = error ? (error.killed ? `timed out after ${timeout} ms` : `exited with ${error.code ?? error.signal}`) : undefined;
      resolve({ stdout, stderr, failure });
    });
  });
}

/** Runs one block against `baseUrl` (GraphQL with `headers`), and compares its output with `expected`. */
export async function runBlock(
  block: Block,
  baseUrl: string,
  options: { expected?: Block; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> {
  const code = block.code.replaceAll(DOCS_URL, baseUrl);
  let output: string;
  if (block.lang === 'graphql') {
    const response = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...options.headers },
      body: JSON.stringify({ query: code }),
    });
    output = await response.text();
    let body: { errors?: Array<{ message: string }>; data?: Record<string, { __typename?: string; message?: string } | null> };
    try {
      body = JSON.parse(output) as typeof body;
    } catch {
      return { output, problem: `HTTP ${response.status}, not JSON: ${output.slice(0, 300)}` };
    }
    if (body.errors?.length) return { output, problem: `HTTP ${response.status}: ${body.errors.map((error) => error.message).join('; ')}` };
    // A mutation that answers one of its typed errors did not do what the page says it does.
    const failed = Object.values(body.data ?? {}).find((field) => field?.__typename?.endsWith('Error'));
    if (failed) return { output, problem: `answered ${failed.__typename}: ${failed.message ?? JSON.stringify(failed)}` };
  } else {
    const runner = RUNNERS[block.lang];
    if (!runner) return { output: '', problem: `cannot run a ${block.lang || 'plain'} block (runnable: ${runnableLanguages.join(', ')})` };
    // Inside the checkout, so that a snippet's imports resolve from its node_modules as in a project.
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const directory = fs.mkdtempSync(path.join(CACHE_DIR, 'block-'));
    try {
      const file = path.join(directory, `block.${EXTENSIONS[block.lang]}`);
      fs.writeFileSync(file, code);
      const [command, args] = runner(file);
      const env = { ...process.env, SWITCHBOARD_URL: baseUrl };
      const result = await execute(command, args, ROOT, env, options.timeoutMs ?? 20_000);
      output = result.stdout;
      if (result.failure) return { output, problem: `${result.failure}: ${(result.stderr || result.stdout).slice(0, 1000)}` };
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  }
  const problem = options.expected ? outputProblem(options.expected.code, output) : undefined;
  return { output, problem };
}

/** Where an action sits, for messages. */
export function actionLine(action: Action): number {
  return action.kind === 'run' ? action.block.line : action.line;
}
