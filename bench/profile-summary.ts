// The top frames of a V8 CPU profile (.cpuprofile): by self time and by inclusive time (a function
// counted once per sample however deep it recurses), in µs per request when the request count is given.
// Also runnable alone: `tsx bench/profile-summary.ts file.cpuprofile [top] [requests]`.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url
    .replace(/^file:\/\//, '')
    .replace(/.*node_modules\//, '')
    .replace(/.*\/(src|bench)\//, '$1/');
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

/** `windowMicros`: only the samples of the profile's last so many microseconds. */
export function summarizeProfile(profile: CpuProfile, top = 25, requests?: number, windowMicros?: number): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  const times: number[] = [];
  profile.timeDeltas.reduce((time, delta, index) => (times[index] = time + delta), profile.startTime);
  const from = windowMicros === undefined ? -Infinity : profile.endTime - windowMicros;
  profile.samples.forEach((id, index) => {
    if (times[index]! < from) return;
    const delta = profile.timeDeltas[index] ?? 0;
    const node = byId.get(id)!;
    total += delta;
    const name = frameName(node);
    if (node.callFrame.functionName === '(idle)') idle += delta;
    self.set(name, (self.get(name) ?? 0) + delta);
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const frame = frameName(byId.get(current)!);
      if (seen.has(frame)) continue;
      seen.add(frame);
      inclusive.set(frame, (inclusive.get(frame) ?? 0) + delta);
    }
  });
  const busy = total - idle;
  const unit = (micros: number) => (requests ? `${(micros / requests).toFixed(1)} µs/req` : `${(micros / 1000).toFixed(0)} ms`);
  const table = (title: string, map: Map<string, number>) =>
    [
      `${title}:`,
      ...[...map]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([name, micros]) => `  ${((micros / busy) * 100).toFixed(1).padStart(5)}%  ${unit(micros).padStart(14)}  ${name}`),
    ].join('\n');
  return [`busy ${unit(busy)} (idle ${((idle / total) * 100).toFixed(0)}%)`, table('self', self), table('inclusive', inclusive)].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top, requests] = process.argv.slice(2);
  console.log(summarizeProfile(JSON.parse(fs.readFileSync(file!, 'utf8')) as CpuProfile, Number(top ?? 25), requests ? Number(requests) : undefined));
}
