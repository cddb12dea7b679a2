export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Web storage that never throws. Private modes, disabled cookies and a full quota make localStorage
 * throw on access or on write; the value then lives in memory for this page, and reads of that key
 * come from memory until a later write reaches the real storage again.
 */
export class SafeStorage implements StorageLike {
  private readonly memory = new Map<string, string>();
  /** Keys whose latest write reached memory only. */
  private readonly memoryOnly = new Set<string>();

  constructor(private readonly backing: StorageLike | null) {}

  getItem(key: string): string | null {
    if (this.backing && !this.memoryOnly.has(key)) {
      try {
        return this.backing.getItem(key);
      } catch {
        /* unreadable storage: fall back to what this page wrote */
      }
    }
    return this.memory.get(key) ?? null;
  }

  /** Returns false when the value is kept in memory only. */
  setItem(key: string, value: string): boolean {
    this.memory.set(key, value);
    if (!this.backing) return false;
    try {
      this.backing.setItem(key, value);
      this.memoryOnly.delete(key);
      return true;
    } catch {
      this.memoryOnly.add(key);
      return false;
    }
  }

  removeItem(key: string): void {
    this.memory.delete(key);
    if (!this.backing) return;
    try {
      this.backing.removeItem(key);
      this.memoryOnly.delete(key);
    } catch {
      // Memory now says "absent", which is what a reader of this key must see.
      this.memoryOnly.add(key);
    }
  }
}

export const safe = (s: StorageLike | null | undefined): SafeStorage => (s instanceof SafeStorage ? s : new SafeStorage(s ?? null));
