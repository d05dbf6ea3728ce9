import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

const NodeInfo = Type.Object({
  code: Type.String({ description: '行政区划代码 of the jurisdiction' }),
  name: Type.String(),
  level: Type.Union([
    Type.Literal('national'),
    Type.Literal('provincial'),
    Type.Literal('municipal'),
    Type.Literal('county'),
  ]),
  cryptoSuite: Type.Union([Type.Literal('intl'), Type.Literal('gm')]),
  algorithm: Type.Union([Type.Literal('ed25519'), Type.Literal('sm2')]),
  keyId: Type.String(),
  publicKey: Type.String({ description: 'PEM (SPKI)' }),
  software: Type.Object({ name: Type.String(), version: Type.String() }),
});

/** The node's public identity: other nodes verify its signed messages with this key. */
export default async function nodeRoutes(app: FastifyInstance): Promise<void> {
  const present = () => {
    const id = app.datong.identity;
    return {
      code: id.code,
      name: id.name,
      level: id.level,
      cryptoSuite: id.suite,
      algorithm: id.algorithm,
      keyId: id.keyId,
      publicKey: id.publicKeyPem,
      software: { name: 'datong', version: '0.1.0' },
    };
  };
  const schema = { tags: ['node'], response: { 200: NodeInfo } };
  app.get('/.well-known/datong-node.json', { config: { permission: 'public' }, schema }, async () =>
    present(),
  );
  app.get('/api/node', { config: { permission: 'public' }, schema }, async () => present());
}
