import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const merchantSignUps = pgTable('merchant_sign_ups', {
  shopId: uuid('shop_id').primaryKey(),
  ownerId: uuid('owner_id').notNull(),
  channel: text('channel').$type<'sms' | 'email'>().notNull(),
  phone: text('phone'),
  email: text('email'),
  ticketHash: text('ticket_hash').notNull(),
  ip: text('ip'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const onboardingChecklists = pgTable('onboarding_checklists', {
  shopId: uuid('shop_id').primaryKey(),
  dismissedAt: ts('dismissed_at'),
  dismissedBy: uuid('dismissed_by'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
