// The container files (no Docker daemon here: their required parts are checked), and the compiled
// entry as the image runs it: plain node, a non-root user, a read-only application tree.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse } from 'yaml';
import { projectRoot } from '../src/db/schema-engine.js';
import { instructions, layImageTree, runtimeCopies, runtimeStage } from './helpers/dockerfile.js';

describe('Dockerfile', () => {
  it('builds in one stage and runs in a slim Node LTS stage with production dependencies only', () => {
    const stages = instructions.filter((instruction) => instruction.keyword === 'FROM');
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.args).toMatch(/^node:(20|22|24)-slim\b/);
    expect(instructions.some((instruction) => instruction.keyword === 'RUN' && /npm run build/.test(instruction.args))).toBe(true);
    expect(runtimeStage.some((instruction) => instruction.keyword === 'RUN' && /npm ci\b.*--omit=dev/.test(instruction.args))).toBe(true);
    expect(runtimeStage.some((instruction) => instruction.keyword === 'COPY' && /--from=build\s+\S*dist/.test(instruction.args))).toBe(true);
  });

  it('runs node dist/main.js as a non-root user, with a health check on /ready, SIGTERM to stop and a data volume', () => {
    const user = runtimeStage.find((instruction) => instruction.keyword === 'USER');
    expect(user?.args).toBeDefined();
    expect(user!.args).not.toMatch(/^(root|0)(:|$)/);
    expect(runtimeStage.find((instruction) => instruction.keyword === 'HEALTHCHECK')?.args).toContain('/ready');
    expect(runtimeStage.find((instruction) => instruction.keyword === 'STOPSIGNAL')?.args).toBe('SIGTERM');
    expect(runtimeStage.find((instruction) => instruction.keyword === 'VOLUME')?.args).toContain('/data');
    expect(runtimeStage.find((instruction) => instruction.keyword === 'ENV')?.args).toContain('DATA_DIR=/data');
    const command = JSON.parse(runtimeStage.find((instruction) => instruction.keyword === 'CMD')!.args) as string[];
    expect(command[0]).toBe('node');
    expect(command.at(-1)).toBe('dist/main.js');
  });
});

describe('compose.yaml', () => {
  const compose = parse(fs.readFileSync(path.join(projectRoot, 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<
      string,
      {
        image?: string;
        build?: unknown;
        healthcheck?: { test: string[] };
        depends_on?: Record<string, { condition: string }>;
        environment?: Record<string, string>;
        ports?: string[];
      }
    >;
  };

  it('runs PostgreSQL, Redis and two Switchboard instances, each with a health check', () => {
    const { services } = compose;
    expect(services.postgres?.image).toMatch(/^postgres:\d+/);
    expect(services.redis?.image).toMatch(/^redis:\d+/);
    const instances = Object.entries(services).filter(([, service]) => service.build !== undefined);
    expect(instances).toHaveLength(2);
    for (const [, service] of Object.values(services).map((service) => ['', service] as const)) {
      expect(service.healthcheck?.test.join(' ')).toMatch(/pg_isready|redis-cli|\/ready/);
    }
    for (const [, instance] of instances) {
      expect(instance.environment).toMatchObject({
        NODE_ENV: 'production',
        DATABASE_URL: expect.stringContaining('@postgres:'),
        REDIS_URL: 'redis://redis:6379',
      });
      expect(instance.ports).toHaveLength(1);
    }
  });

  it('starts the instances only once PostgreSQL and Redis are healthy', () => {
    for (const name of ['switchboard-1', 'switchboard-2']) {
      const dependsOn = compose.services[name]!.depends_on!;
      expect(dependsOn.postgres?.condition).toBe('service_healthy');
      expect(dependsOn.redis?.condition).toBe('service_healthy');
    }
  });
});

describe('compiled entry', () => {
  it('keeps build-only packages out of the runtime dependencies (the image installs those only)', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const name of ['prisma', '@prisma/studio-core', 'esbuild', 'tsx']) expect(manifest.dependencies, name).not.toHaveProperty(name);
  });

  it('copies into the runtime stage everything the server reads at run time', () => {
    expect(runtimeCopies()).toEqual(expect.arrayContaining(['package.json', 'prisma', 'packages', 'dist']));
  });

  it.skipIf(process.getuid?.() !== 0)(
    'serves from a read-only copy of the tree as user nobody, finds migrations and the catalog, and stops on SIGTERM',
    async () => {
      const { ensureBuilt } = (await import(path.join(projectRoot, 'scripts/build.mjs'))) as { ensureBuilt(options?: { quiet?: boolean }): Promise<boolean> };
      await ensureBuilt({ quiet: true });
      // The compiled server loads none of the build-only packages (the image does not have them).
      for (const file of fs.readdirSync(path.join(projectRoot, 'dist')).filter((name) => name.endsWith('.js'))) {
        const code = fs.readFileSync(path.join(projectRoot, 'dist', file), 'utf8');
        expect(code, file).not.toMatch(/(?:from\s*|import\(\s*|require\(\s*)["'](?:prisma|esbuild|tsx|@prisma\/studio-core)(?:\/[^"']*)?["']/);
      }
      const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-readonly-'));
      const data = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-data-'));
      onTestFinished(() => {
        fs.rmSync(tree, { recursive: true, force: true });
        fs.rmSync(data, { recursive: true, force: true });
      });
      layImageTree(tree);
      for (const entry of fs.readdirSync(tree, { recursive: true, withFileTypes: true })) {
        if (!entry.isSymbolicLink()) fs.chmodSync(path.join(entry.parentPath, entry.name), entry.isDirectory() ? 0o555 : 0o444);
      }
      fs.chmodSync(tree, 0o555);
      fs.chmodSync(data, 0o700);
      fs.chownSync(data, 65534, 65534);

      // As user and group nobody (65534), as `runuser -u nobody` would, but signalled directly.
      const child = spawn(process.execPath, ['dist/main.js'], {
        cwd: tree,
        uid: 65534,
        gid: 65534,
        env: {
          ...process.env,
          NODE_ENV: 'test',
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
          LOG_FILE: '',
          LOG_FORMAT: 'json',
          DATA_DIR: data,
          REFRESH_INTERVAL_SECONDS: '0',
          HOME: data,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      onTestFinished(() => {
        if (child.exitCode === null) child.kill('SIGKILL');
      });
      const output: string[] = [];
      readline.createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
      const url = await new Promise<string>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`exited ${code}:\n${output.join('\n')}`)));
        readline.createInterface({ input: child.stdout }).on('line', (line) => {
          output.push(line);
          try {
            const entry = JSON.parse(line) as { msg?: string; url?: string };
            if (entry.msg?.startsWith('Switchboard listening') && entry.url) resolve(entry.url);
          } catch {
            // not JSON
          }
        });
      });
      expect((await fetch(`${url}/ready`)).status).toBe(200);
      const answer = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ providers(search: "github") { key } }' }),
      });
      // Read from the catalog's YAML files beside the compiled modules (providers.yaml and providers/*.yaml).
      expect(await answer.json()).toEqual({ data: { providers: [{ key: 'github' }, { key: 'github-app' }] } });
      // The frontend SDK, read from packages/connect in the image.
      const sdk = await fetch(`${url}/sdk/connect.js`);
      expect(sdk.status).toBe(200);
      expect(await sdk.text()).toContain('export function openConnect');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    },
    180_000,
  );
});
