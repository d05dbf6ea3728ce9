import type { FastifyRequest } from 'fastify';

/**
 * The node's public base URL as the caller reached it. The open interfaces publish absolute
 * links (CKAN resource URLs, DCAT IRIs, data.json URLs), and a node is reached under whatever
 * name its reverse proxy gives it; with DATONG_TRUST_PROXY=1 Fastify takes that from
 * X-Forwarded-Proto/Host.
 */
export function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}
