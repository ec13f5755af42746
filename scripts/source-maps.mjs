// Stack traces of the compiled server (dist/) point at src/, with each bundle's source map read the
// first time a stack passes through that bundle. Node's own support (--enable-source-maps,
// process.setSourceMapsEnabled) reads and parses every map, and measures every line of every bundle,
// as the module loads: about 0.2 s of a start, for maps most runs never use.
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Maps the frames of files under `dir` (bundles with a `.map` beside them); others are left as they
 * are. Returns what puts the previous formatting back.
 */
export function mapStackTracesLazily(dir) {
  const previous = Error.prepareStackTrace;
  const prefix = pathToFileURL(dir).href.replace(/\/?$/, '/');
  /** file URL → its SourceMap, or null when it has none (read once either way). */
  const maps = new Map();
  const mapOf = (url) => {
    let map = maps.get(url);
    if (map === undefined) {
      try {
        map = new SourceMap(JSON.parse(fs.readFileSync(`${fileURLToPath(url)}.map`, 'utf8')));
      } catch {
        map = null;
      }
      maps.set(url, map);
    }
    return map;
  };
  const frame = (site) => {
    const text = String(site);
    const file = site.getFileName?.();
    const line = site.getLineNumber?.();
    const column = site.getColumnNumber?.();
    if (!file || !line || !column) return text;
    // A file URL for ES modules that Node loads, a path for those a loader evaluates.
    const url = file.startsWith('file:') ? file : path.isAbsolute(file) ? pathToFileURL(file).href : undefined;
    if (!url?.startsWith(prefix)) return text;
    const entry = mapOf(url)?.findEntry(line - 1, column - 1);
    if (!entry?.originalSource) return text;
    // Sources are named relative to the map (../src/app.ts).
    const source = new URL(entry.originalSource, url);
    const original = source.protocol === 'file:' ? fileURLToPath(source) : entry.originalSource;
    return text.replace(`${file}:${line}:${column}`, `${original}:${entry.originalLine + 1}:${entry.originalColumn + 1}`);
  };
  Error.prepareStackTrace = (error, sites) => {
    let head;
    try {
      head = Error.prototype.toString.call(error);
    } catch {
      head = 'Error';
    }
    return [head, ...sites.map((site) => `    at ${frame(site)}`)].join('\n');
  };
  return () => {
    Error.prepareStackTrace = previous;
  };
}
