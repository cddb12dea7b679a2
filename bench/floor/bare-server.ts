/**
 * The reference for the floor bench: a bare Fastify server with one JSON route shaped like Siyu's
 * `GET /api/store/:shop/shop`, no hooks, no plugins. What Siyu adds per request is measured against it.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const shop = { slug: 'demo', name: '思域演示店', logoUrl: null, servicePhone: '400-000-0000', status: 'active', suspensionReason: null };
app.get('/api/store/:shop/shop', async () => shop);
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
console.log(`bare server listening on ${process.env.PORT}`);
