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
