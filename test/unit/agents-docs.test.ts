// docs/agents.md says what the code does: its client configuration is valid JSON for /mcp, its
// settings' defaults are the real ones, and the catalog tools it names exist.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listProviders } from '../../src/catalog/index.js';
import { mcpSettings } from '../../src/mcp/settings.js';
import { shownDefaultOf } from '../../src/kernel/settings.js';

const doc = fs.readFileSync(new URL('../../docs/agents.md', import.meta.url), 'utf8');

describe('docs/agents.md', () => {
  it("gives a desktop agent's configuration that is valid JSON naming PUBLIC_URL/mcp with a bearer token", () => {
    const block = /```json\n([\s\S]*?)```/.exec(doc)![1]!;
    const config = JSON.parse(block) as { mcpServers: Record<string, { type: string; url: string; headers: Record<string, string> }> };
    const server = config.mcpServers.switchboard!;
    expect(new URL(server.url).pathname).toBe('/mcp');
    expect(server.type).toBe('http');
    expect(server.headers.Authorization).toMatch(/^Bearer sbcs_/);
  });

  it('lists the MCP settings with their real defaults', () => {
    for (const [name, entry] of Object.entries(mcpSettings.variables)) {
      expect(doc).toContain(`| \`${name}\` | ${shownDefaultOf(entry)} |`);
    }
  });

  it('names only catalog tools that exist', () => {
    const names = new Set(listProviders().flatMap((template) => (template.mcpTools ?? []).map((tool) => `${template.key}_${tool.name}`)));
    for (const name of ['github_list_issues', 'github_create_issue']) expect(names).toContain(name);
    for (const [provider, tool] of [
      ['slack', 'post_message'],
      ['slack', 'list_channels'],
      ['google-calendar', 'list_events'],
      ['gmail', 'send_email'],
    ]) {
      expect(names).toContain(`${provider}_${tool}`);
      expect(doc).toContain(`\`${tool}\``);
    }
  });
});
