// Switchboard's MCP server for agents (PUBLIC_URL/mcp): what a tool's answer may weigh.
import { defineSettings, integer, setting, type SettingsOf } from '../kernel/settings.js';

export const mcpSettings = defineSettings(
  'MCP server (agents)',
  {
    MCP_MAX_RESULT_BYTES: setting(
      integer({ min: 1024, max: 10 * 1024 * 1024, default: 100_000 }),
      "the largest answer body a tool returns to an agent (`call_api` and the catalog's tools); a longer one is cut, with a note saying so",
    ),
    MCP_MAX_REQUEST_BYTES: setting(integer({ min: 1024, max: 10 * 1024 * 1024, default: 1024 * 1024 }), 'the largest JSON-RPC request /mcp accepts'),
  },
  (values) => ({ maxResultBytes: values.MCP_MAX_RESULT_BYTES, maxRequestBytes: values.MCP_MAX_REQUEST_BYTES }),
);
export type McpSettings = SettingsOf<typeof mcpSettings>;
