// The Dockerfile read as instructions: what the image's runtime stage copies, for the tests of the
// image layout (test/deployment.test.ts) and the newcomer's path.
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/paths.js';

const dockerfile = fs.readFileSync(path.join(projectRoot, 'Dockerfile'), 'utf8');
/** Instructions with their arguments, continuation lines joined, per stage. */
export const instructions = dockerfile
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'))
  .map((line) => {
    const [keyword, ...rest] = line.split(/\s+/);
    return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
  });
export const runtimeStage = instructions.slice(instructions.findLastIndex((instruction) => instruction.keyword === 'FROM'));

/** The paths the runtime stage copies into /app (COPY <paths…> <dest>; --from=build paths are the build's dist/). */
export function runtimeCopies(): string[] {
  return runtimeStage
    .filter((instruction) => instruction.keyword === 'COPY')
    .flatMap((instruction) => {
      const parts = instruction.args.split(/\s+/).filter((part) => !part.startsWith('--'));
      return parts.slice(0, -1).map((source) => source.replace(/^\/app\//, '').replace(/^\.\//, ''));
    });
}

/**
 * The image's application tree in `target`: what the runtime stage copies (from the checkout, and
 * dist/ as the build stage makes it, so build first), with the checkout's node_modules linked in place
 * of the stage's `npm ci --omit=dev`. `hardLinks` links files instead of copying them (no bytes
 * copied; only for a tree whose files are not then changed, e.g. by chmod).
 */
export function layImageTree(target: string, { hardLinks = false }: { hardLinks?: boolean } = {}): void {
  for (const copied of runtimeCopies()) {
    const source = path.join(projectRoot, copied);
    if (!hardLinks) {
      fs.cpSync(source, path.join(target, copied), { recursive: true });
      continue;
    }
    const entries = fs.statSync(source).isDirectory() ? fs.readdirSync(source, { recursive: true, withFileTypes: true }) : [];
    // Directories too, the empty ones included (a PostgreSQL cluster has some).
    for (const entry of entries.filter((entry) => entry.isDirectory()))
      fs.mkdirSync(path.join(target, path.relative(projectRoot, path.join(entry.parentPath, entry.name))), { recursive: true });
    const files = entries.length
      ? entries.filter((entry) => entry.isFile()).map((entry) => path.relative(projectRoot, path.join(entry.parentPath, entry.name)))
      : [copied];
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
      try {
        fs.linkSync(path.join(projectRoot, file), path.join(target, file));
      } catch (error) {
        // Another file system (a tmpfs /tmp): copied after all.
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
        fs.copyFileSync(path.join(projectRoot, file), path.join(target, file));
      }
    }
  }
  fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(target, 'node_modules'));
}
