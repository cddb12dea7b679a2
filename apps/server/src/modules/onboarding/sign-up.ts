import { eq } from 'drizzle-orm';
import { isReservedSlug, ShopSlug, type SignUpChannel } from '@siyu/contracts';
import type { Platform } from '../../platform/context.js';
import { AppError, conflict } from '../../platform/errors.js';
import type { AuthService } from '../../platform/auth/service.js';
import { hashPassword } from '../../platform/auth/passwords.js';
import { newToken, sha256 } from '../../platform/auth/tokens.js';
import type { SmsVerification } from '../../platform/sms/index.js';
import type { EmailVerification } from '../../platform/mail/index.js';
import { publicShop, type TenancyService } from '../../platform/tenancy/service.js';
import { merchantSignUps } from './schema.js';

/** Verification keys of people who are not (yet) in a shop live under this scope instead of a shop id. */
export const PLATFORM_SCOPE = 'platform';
/** How long a proven phone or e-mail may wait for its shop to be created. */
const TICKET_TTL_MS = 60 * 60_000;
/** After the shop exists, a retry of the same create still finds it for a while (a lost answer). */
const TICKET_AFTER_USE_MS = 10 * 60_000;

interface Ticket {
  channel: 'sms' | 'email';
  login: string;
  phone: string | null;
  email: string | null;
  passwordHash: string;
  displayName: string;
}

export type SlugCheck = { slug: string; available: true } | { slug: string; available: false; reason: 'invalid' | 'reserved' | 'taken' };

const ticketKey = (ticket: string) => `onboarding:ticket:${sha256(ticket)}`;
const fieldOf = (c: SignUpChannel) => (c.channel === 'sms' ? 'phone' : 'email');
const loginOf = (c: SignUpChannel) => (c.channel === 'sms' ? c.phone : c.email.toLowerCase());

/**
 * Self-service shop opening (开店): prove a phone (SMS code) or an e-mail address (code by mail), choose
 * a password, then create the shop and become its owner. Between the two steps a ticket (hot store,
 * an hour) carries the proven login and the password hash, so no half-made account is ever stored.
 */
export class SignUpService {
  constructor(
    private p: Platform,
    private tenancy: TenancyService,
    private auth: AuthService,
    private sms: SmsVerification,
    private email: EmailVerification,
  ) {}

  /** Sends a code. Says nothing about whether the phone or address is registered already (that comes after the code). */
  async sendCode(input: SignUpChannel & { ip?: string }) {
    if (input.channel === 'sms') return this.sms.send(PLATFORM_SCOPE, { phone: input.phone, purpose: 'merchant_sign_up', ip: input.ip });
    return this.email.send(PLATFORM_SCOPE, { email: input.email, purpose: 'merchant_sign_up', ip: input.ip });
  }

  /**
   * Checks the code and hands out the ticket for creating the shop. Only now, to the person who proved
   * the phone or address, is "already registered" said (409 LOGIN_TAKEN).
   */
  async verify(input: SignUpChannel & { code: string; password: string; displayName?: string }) {
    if (input.channel === 'sms') await this.sms.verify(PLATFORM_SCOPE, { phone: input.phone, purpose: 'merchant_sign_up', code: input.code });
    else await this.email.verify(PLATFORM_SCOPE, { email: input.email, purpose: 'merchant_sign_up', code: input.code });
    const login = loginOf(input);
    if (await this.tenancy.loginTaken(login)) {
      throw conflict('LOGIN_TAKEN', 'This phone or e-mail already has an account; sign in, or reset the password', { field: fieldOf(input) });
    }
    const ticket = newToken(24);
    const record: Ticket = {
      channel: input.channel,
      login,
      phone: input.channel === 'sms' ? input.phone : null,
      email: input.channel === 'email' ? login : null,
      passwordHash: await hashPassword(input.password),
      displayName: input.displayName?.trim() || '店主',
    };
    await this.p.hot.set(ticketKey(ticket), JSON.stringify(record), { ttlMs: TICKET_TTL_MS });
    return { ticket, login, expiresAt: new Date(this.p.now().getTime() + TICKET_TTL_MS) };
  }

  /** Whether a storefront address can be had, for the form to say so as the merchant types. */
  async checkSlug(raw: string): Promise<SlugCheck> {
    const parsed = ShopSlug.safeParse(raw);
    if (!parsed.success) return { slug: raw, available: false, reason: 'invalid' };
    const slug = parsed.data;
    if (isReservedSlug(slug)) return { slug, available: false, reason: 'reserved' };
    return (await this.tenancy.slugTaken(slug)) ? { slug, available: false, reason: 'taken' } : { slug, available: true };
  }

  /**
   * Creates the shop and its owner, and opens the owner's console session, in one transaction. A retry
   * with the same ticket (the answer was lost, or the button was pressed twice) answers with the shop
   * the first attempt made and a fresh session; a race for one slug is settled by its unique index.
   */
  async createShop(input: { ticket: string; name: string; slug: string; logoUrl?: string | null; contactPhone: string; ip?: string; userAgent?: string }) {
    const key = ticketKey(input.ticket);
    const raw = await this.p.hot.get(key);
    if (!raw) throw new AppError(410, 'SIGN_UP_EXPIRED', 'The sign-up has expired; verify your phone or e-mail again', { field: 'ticket' });
    const ticket = JSON.parse(raw) as Ticket;
    const ticketHash = sha256(input.ticket);
    const meta = { ip: input.ip, userAgent: input.userAgent };

    const earlier = await this.earlierAttempt(ticketHash, meta);
    if (earlier) return earlier;
    if (isReservedSlug(input.slug)) throw conflict('SHOP_SLUG_RESERVED', 'This shop address is reserved; choose another', { field: 'slug' });

    let session: Awaited<ReturnType<AuthService['openSession']>> | undefined;
    try {
      const { shop, owner } = await this.tenancy.createShop({
        slug: input.slug,
        name: input.name,
        logoUrl: input.logoUrl ?? null,
        settings: { servicePhone: input.contactPhone },
        owner: { login: ticket.login, displayName: ticket.displayName, phone: ticket.phone, passwordHash: ticket.passwordHash },
        within: async (tx, created) => {
          await tx.insert(merchantSignUps).values({
            shopId: created.shop.id,
            ownerId: created.owner.id,
            channel: ticket.channel,
            phone: ticket.phone,
            email: ticket.email,
            ticketHash,
            ip: input.ip,
          });
          session = await this.auth.openSession({ staffId: created.owner.id, shopId: created.shop.id, ...meta }, tx);
          await this.tenancy.record(
            {
              shopId: created.shop.id,
              actor: { type: 'staff', id: created.owner.id, name: ticket.displayName },
              action: 'POST /api/admin/sign-up/shop',
              entity: 'shop',
              entityId: created.shop.id,
              after: publicShop(created.shop),
              request: { body: { channel: ticket.channel, name: input.name, slug: input.slug, contactPhone: input.contactPhone } },
              status: 201,
              ip: input.ip,
            },
            tx,
          );
        },
      });
      await this.p.hot.set(key, raw, { ttlMs: TICKET_AFTER_USE_MS });
      this.p.log.info({ shopId: shop.id, slug: shop.slug, channel: ticket.channel }, 'merchant opened a shop');
      return { shop: publicShop(shop), owner: { id: owner.id, login: owner.login }, session: session!, created: true };
    } catch (err) {
      // The same ticket racing itself: the loser finds the winner's shop.
      if (err instanceof AppError && (err.code === 'LOGIN_TAKEN' || err.code === 'SHOP_SLUG_TAKEN')) {
        const winner = await this.earlierAttempt(ticketHash, meta);
        if (winner) return winner;
        if (err.code === 'LOGIN_TAKEN') throw conflict('LOGIN_TAKEN', 'This phone or e-mail already has an account; sign in, or reset the password', { field: ticket.channel === 'sms' ? 'phone' : 'email' });
      }
      throw err;
    }
  }

  private async earlierAttempt(ticketHash: string, meta: { ip?: string; userAgent?: string }) {
    const [done] = await this.p.db.select().from(merchantSignUps).where(eq(merchantSignUps.ticketHash, ticketHash));
    if (!done) return null;
    const shop = await this.tenancy.getShop(done.shopId);
    // A disabled owner gets a session the admin scope refuses at once, like any disabled account's.
    const session = await this.auth.openSession({ staffId: done.ownerId, shopId: shop.id, ...meta });
    return { shop: publicShop(shop), owner: { id: done.ownerId, login: done.phone ?? done.email ?? '' }, session, created: false };
  }
}
