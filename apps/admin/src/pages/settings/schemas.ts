import { z } from 'zod';

/**
 * Staff, API key and shop bodies are declared inline in the platform routes (platform/auth/routes.ts,
 * platform/tenancy/routes.ts), not in @siyu/contracts; these mirror them rule for rule.
 */
export const ROLES = ['owner', 'admin', 'operator', 'customer_service', 'planner', 'copywriter', 'designer'] as const;
const Role = z.enum(ROLES);
const Password = z.string().min(8, 'at least 8 characters').max(128);
const Login = z.string().trim().min(3).max(64).regex(/^[a-zA-Z0-9_.@+-]+$/, 'letters, digits and _ . @ + - only');

export const StaffCreate = z.object({ login: Login, password: Password, displayName: z.string().trim().min(1).max(50), phone: z.string().regex(/^1\d{10}$/).optional(), role: Role });
export const StaffPatch = z.object({
  displayName: z.string().trim().min(1).max(50).optional(),
  phone: z.string().regex(/^1\d{10}$/).nullable().optional(),
  role: Role.optional(),
  status: z.enum(['active', 'disabled']).optional(),
  password: Password.optional(),
});
export const ApiKeyCreate = z.object({ name: z.string().trim().min(1).max(50), role: Role });
export const ShopPatch = z.object({
  name: z.string().trim().min(1).max(60).optional(),
  logoUrl: z.string().max(500).nullable().optional(),
  settings: z
    .object({
      unpaidTimeoutMinutes: z.number().int().min(5).max(7 * 24 * 60).optional(),
      autoCompleteDays: z.number().int().min(1).max(60).optional(),
      servicePhone: z.string().max(30).optional(),
    })
    .strict()
    .optional(),
});
