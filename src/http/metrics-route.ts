// GET /metrics is open unless METRICS_TOKEN is set; then it wants `Authorization: Bearer <token>`,
// compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';

export function isAuthorizedMetricsRequest(req: http.IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]!.trim()), digest(token));
}
