import fs from 'node:fs';
import path from 'node:path';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, problem, problemBody, type FieldError } from './errors.js';
import { t } from '../i18n/index.js';

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Turns whatever was thrown into an RFC 9457 problem in the caller's language. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, req, reply) => {
    const appError = toAppError(error, req, app);
    if (appError.status >= 500) req.log.error({ err: error }, 'request failed');
    return sendProblem(req, reply, appError);
  });

  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0] ?? '/';
    const web = app.datong.config.webDist;
    // Client-side routes of the web UI get its index page; API paths get a problem.
    if (
      req.method === 'GET' &&
      !url.startsWith('/api/') &&
      !path.extname(url) &&
      fs.existsSync(path.join(web, 'index.html'))
    ) {
      // Streamed rather than sendFile(): @fastify/static decorates only its own scope, and a
      // route elsewhere (e.g. /catalog/:file of the open interfaces) may fall through to here.
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(fs.createReadStream(path.join(web, 'index.html')));
    }
    return sendProblem(req, reply, problem(404, 'route_not_found', { method: req.method, url }));
  });
}

export function sendProblem(req: FastifyRequest, reply: FastifyReply, err: AppError): FastifyReply {
  const lang = req.ctx?.lang ?? 'zh-CN';
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply
    .code(err.status)
    .type('application/problem+json; charset=utf-8')
    .send(problemBody(err, lang, req.url.split('?')[0] ?? '/', String(req.id)));
}

function toAppError(error: FastifyError, req: FastifyRequest, app: FastifyInstance): AppError {
  if (error instanceof AppError) return error;
  const lang = req.ctx?.lang ?? 'zh-CN';
  if (error.validation) {
    const errors: FieldError[] = (error.validation as AjvError[]).map((v) => fieldError(v, lang));
    return problem(400, 'validation', {}, errors);
  }
  switch (error.code) {
    case 'DATONG_MALFORMED_JSON':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, 'malformed_json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'payload_too_large', { limit: app.datong.config.bodyLimit });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'unsupported_media_type');
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return problem(
      error.statusCode === 404 ? 404 : 400,
      error.statusCode === 404 ? 'not_found' : 'validation',
    );
  }
  return problem(500, 'internal');
}

function fieldError(v: AjvError, lang: 'zh-CN' | 'en'): FieldError {
  const at = v.instancePath ?? '';
  if (v.keyword === 'additionalProperties') {
    const property = String(v.params?.additionalProperty ?? '');
    return { path: `${at}/${property}`, message: t(lang, 'unknown_property', { property }) };
  }
  if (v.keyword === 'required') {
    const property = String(v.params?.missingProperty ?? '');
    return { path: `${at}/${property}`, message: t(lang, 'required_property', { property }) };
  }
  return { path: at, message: v.message ?? v.keyword ?? 'invalid' };
}
