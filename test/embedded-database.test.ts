// The embedded database's start-up settings.
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { testLogger } from './helpers/database.js';
import { testConfig } from './helpers/server.js';

describe('the embedded database', () => {
  it("starts with EMBEDDED_SHARED_BUFFERS_MB as PostgreSQL's shared_buffers", async () => {
    const config = testConfig();
    const db = openDatabase({ ...config.database, url: undefined, dataDir: 'memory://', embeddedSharedBuffersMb: 8 }, { logger: testLogger });
    try {
      const [row] = await db.prisma.$queryRawUnsafe<Array<{ shared_buffers: string }>>("SELECT current_setting('shared_buffers') AS shared_buffers");
      expect(row?.shared_buffers).toBe('8MB');
    } finally {
      await db.close();
    }
  });
});
