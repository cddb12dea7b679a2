import { ProductInput } from '@siyu/contracts';
import type { Actor } from '../../../platform/context.js';
import type { TestApp, StaffSession } from '../../../testing/harness.js';

/** A product straight through the service (tests of other modules need SKUs with stock). */
export async function createProduct(t: TestApp, actor: Actor, input: Partial<ProductInput> & { skus: ProductInput['skus'] }) {
  return t.services.catalog.createProduct(actor, ProductInput.parse({ title: `商品 ${Math.random().toString(36).slice(2, 8)}`, ...input }));
}

/** A multipart upload of one file, as the console sends it. */
export async function upload(t: TestApp, path: string, session: StaffSession, fileName: string, data: Buffer | string, type = 'application/octet-stream') {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(typeof data === 'string' ? Buffer.from(data) : data)], { type }), fileName);
  const res = await fetch(t.url + path, { method: 'POST', body: form, headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'accept-language': 'en' } });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body };
}

/** Downloads a binary answer (spreadsheets). */
export async function download(t: TestApp, path: string, session: StaffSession) {
  const res = await fetch(t.url + path, { headers: { cookie: session.cookie } });
  return { status: res.status, headers: res.headers, data: Buffer.from(await res.arrayBuffer()) };
}
