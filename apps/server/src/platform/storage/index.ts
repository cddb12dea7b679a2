import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

/** Where uploaded files live. Local disk now; an object store implements the same three methods. */
export interface Storage {
  put(prefix: string, ext: string, data: Buffer, contentType: string): Promise<{ key: string; url: string; size: number }>;
  get(key: string): Promise<{ data: Buffer; contentType: string } | null>;
  delete(key: string): Promise<void>;
}

const TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp', '.gif': 'image/gif', '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', '.csv': 'text/csv' };

export class LocalDiskStorage implements Storage {
  constructor(private root: string, private urlBase = '/media') {}

  async put(prefix: string, ext: string, data: Buffer) {
    const safePrefix = prefix.replace(/[^a-zA-Z0-9/_-]/g, '');
    const key = `${safePrefix}/${randomUUID()}${ext.startsWith('.') ? ext : '.' + ext}`.replace(/^\/+/, '');
    const file = path.join(this.root, key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, data);
    return { key, url: `${this.urlBase}/${key}`, size: data.length };
  }

  async get(key: string) {
    const file = path.resolve(this.root, key);
    // Refuse paths that climb out of the storage root.
    if (!file.startsWith(path.resolve(this.root) + path.sep)) return null;
    try {
      const data = await fs.readFile(file);
      return { data, contentType: TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream' };
    } catch {
      return null;
    }
  }

  async delete(key: string) {
    const file = path.resolve(this.root, key);
    if (!file.startsWith(path.resolve(this.root) + path.sep)) return;
    await fs.rm(file, { force: true });
  }
}
