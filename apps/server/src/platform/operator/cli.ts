import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import type { OperatorService } from './service.js';

const LOGIN = /^[a-zA-Z0-9_.@+-]{3,64}$/;

/**
 * `main.ts operator --login <login> [--password <password>] [--name <display name>]`: sets the platform
 * operator's credentials (made when there is none). The password may come from OPERATOR_PASSWORD
 * instead of the command line, which other users of the machine can read in the process list.
 * Returns the exit code.
 */
export async function operatorCommand(args: string[], config: Config, open: () => Promise<{ operators: OperatorService; close(): Promise<void> }>): Promise<number> {
  let values: { login?: string; password?: string; name?: string };
  try {
    ({ values } = parseArgs({ args, options: { login: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } }, strict: true }));
  } catch (err) {
    console.error(`${(err as Error).message}\nusage: operator --login <login> [--password <password>] [--name <display name>]`);
    return 2;
  }
  const login = values.login ?? config.OPERATOR_LOGIN;
  const password = values.password ?? config.OPERATOR_PASSWORD;
  if (!login || !LOGIN.test(login)) {
    console.error('operator: --login is required: 3–64 letters, digits and _ . @ + -');
    return 2;
  }
  if (!password || password.length < 12 || password.length > 128) {
    console.error('operator: a password of 12–128 characters is required (--password or OPERATOR_PASSWORD)');
    return 2;
  }
  const app = await open();
  try {
    const res = await app.operators.set({ login, password, displayName: values.name });
    console.log(`Platform operator ${res.created ? 'created' : 'updated'}: ${res.login} (sign in at /admin/platform/; earlier operator sessions ended)`);
    return 0;
  } finally {
    await app.close();
  }
}

/** Makes the operator at first start if it can (see OperatorService.ensureAtStart); lines for the start banner. */
export async function operatorAtStart(operators: OperatorService, config: Config, base: string): Promise<string[]> {
  const res = await operators.ensureAtStart({ demo: config.SEED_DEMO });
  const where = `${base}/admin/platform/`;
  if (!res) return [`  Platform operator: none yet; set one with \`npx tsx apps/server/src/main.ts operator --login … --password …\``];
  if (res.password) return [`  Platform operator ${where} — ${res.login} / ${res.password} (shown once; change it with the \`operator\` command)`];
  return [`  Platform operator ${where} — ${res.login}`];
}
