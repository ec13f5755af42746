// This process's identity among Switchboard instances: owner of the refresh leases it takes, and
// sender id on the events it publishes (so it can skip its own when Redis echoes them back).
import { randomBytes } from 'node:crypto';
import os from 'node:os';

export const instanceId = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
