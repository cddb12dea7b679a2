import { ConfigError, loadConfig, type Config } from './platform/config.js';
import { startRuntime } from './app/runtime.js';
import { seedDemo } from './app/seed.js';
import { operatorAtStart, operatorCommand } from './platform/operator/cli.js';

/**
 * `siyu all` (default, embedded): HTTP + worker + sandbox in one process.
 * `siyu serve`: HTTP only. `siyu worker`: jobs only. `siyu migrate`: apply migrations and exit.
 * `siyu operator --login … --password …`: set the platform operator (平台运营) and exit.
 */
async function main() {
  const role = process.argv[2] ?? 'all';
  if (!['all', 'serve', 'worker', 'migrate', 'operator'].includes(role)) {
    console.error(`unknown role "${role}"; use all | serve | worker | migrate | operator`);
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78);
    }
    throw err;
  }
  if (role === 'operator') {
    const cfg = config;
    process.exit(await operatorCommand(process.argv.slice(3), cfg, async () => {
      const rt = await startRuntime(cfg, { serve: false, worker: false });
      return { operators: rt.services.operators, close: () => rt.close() };
    }));
  }
  const runtime = await startRuntime(config, { serve: role === 'all' || role === 'serve', worker: role === 'all' || role === 'worker' }, { defaultMetrics: true });
  const log = runtime.platform.log;
  if (role === 'migrate') {
    await runtime.close();
    return;
  }
  warnAboutSettings(config, runtime.platform.publicUrl(), log);
  const operatorLines = role === 'worker' ? [] : await operatorAtStart(runtime.services.operators, config, runtime.platform.publicUrl());
  if (!config.SEED_DEMO && operatorLines.length > 0) console.log(operatorLines.join('\n'));
  if (config.SEED_DEMO && role !== 'worker') {
    const demo = await seedDemo(runtime.platform, runtime.services);
    const base = runtime.platform.publicUrl();
    const lines = [
      '',
      'Siyu is running',
      `  API docs        ${base}/docs   (OpenAPI: ${base}/openapi.json)`,
      `  Merchant console ${base}/admin/`,
      `  Storefront       ${base}/s/${demo.shopSlug}/`,
      ...(config.SANDBOX ? [`  Sandbox (SMS and mail inboxes, WeChat Pay) ${base}/sandbox/`] : []),
      `  Demo logins: ${demo.logins.map((l) => `${l.login} / ${l.password} (${l.role})`).join(', ')}`,
      `  Demo customer phone: ${demo.customerPhone} (read the SMS code in the sandbox inbox)`,
      ...operatorLines,
      '',
    ];
    console.log(lines.join('\n'));
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing in-flight requests and jobs');
    const timer = setTimeout(() => {
      log.error('shutdown took too long, exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS + 5000);
    timer.unref();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** Settings that work but probably are not what the operator wants; said once at start. */
function warnAboutSettings(config: Config, publicUrl: string, log: { warn(obj: object, msg: string): void }) {
  if (!config.PUBLIC_URL) {
    log.warn({ publicUrl }, 'PUBLIC_URL is not set: claim links, QR codes, OAuth redirects and payment notify URLs use the listen address; set PUBLIC_URL to the address customers reach');
  }
  if (config.NODE_ENV === 'production') {
    if (config.SANDBOX) log.warn({}, 'SANDBOX is on in production: the vendor simulators are public at /sandbox (sign-in codes readable, orders payable without money)');
    if (config.SEED_DEMO) log.warn({}, 'SEED_DEMO is on in production: the public demo shop and its known passwords exist');
    if (!config.METRICS_TOKEN && !config.METRICS_LISTEN) log.warn({}, '/metrics is off: set METRICS_TOKEN or METRICS_LISTEN to scrape it');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
