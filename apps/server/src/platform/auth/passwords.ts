import { hash, verify } from '@node-rs/argon2';

// argon2id with OWASP's minimum recommended cost (19 MiB, 2 passes).
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (plain: string) => hash(plain, OPTIONS);
export const verifyPassword = (hashed: string, plain: string) => verify(hashed, plain).catch(() => false);
