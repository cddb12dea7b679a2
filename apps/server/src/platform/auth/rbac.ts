/**
 * The permission matrix. Every /api/admin route declares one permission; the auth hook refuses a
 * request whose role lacks it, and a test walks every registered route to prove none is missing.
 */
export const ROLES = ['owner', 'admin', 'operator', 'customer_service', 'planner', 'copywriter', 'designer'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = {
  'dashboard:read': 'View dashboard and reports',
  'analytics:read': 'Run analyses (数据分析) and see customers’ event timelines',
  'analytics:write': 'Save insights and manage data-source write keys',
  'messaging:read': 'View reach channels, templates, broadcasts and the delivery log (触达)',
  'messaging:write': 'Connect channels, edit templates, QR codes, replies and the contact budget',
  'messaging:send': 'Create and run broadcasts (群发)',
  'journeys:read': 'View journeys (自动化营销), their statistics and results',
  'journeys:write': 'Create, edit, publish, pause and end journeys, and run tests',
  'catalog:read': 'View products and categories',
  'catalog:write': 'Create and edit products, categories, stock',
  'catalog:import': 'Import and export products',
  'media:upload': 'Upload images',
  'orders:read': 'View orders',
  'orders:fulfil': 'Ship orders and verify pickup codes',
  'orders:refund': 'Refund orders and handle returns',
  'orders:export': 'Export orders',
  'customers:read': 'View customers',
  'customers:write': 'Edit customers, their tags and groups',
  'customers:export': 'Export customer lists and groups',
  'shipping:manage': 'Manage shipping fee templates and pickup points',
  'promotions:read': 'View coupons, activities and their statistics',
  'promotions:write': 'Create and change coupons, packs, gifts and activities',
  'promotions:issue': 'Issue coupons to customers (定向发券)',
  'distribution:read': 'View promoters (分销员), commissions and withdrawals',
  'distribution:manage': 'Set distribution rules, review promoters and community leaders (团长)',
  'distribution:payout': 'Approve or reject promoters’ and leaders’ withdrawals (money out)',
  'loyalty:read': 'View points rules',
  'loyalty:manage': 'Set points rules and adjust customers’ points',
  'reviews:moderate': 'Hide and show product reviews',
  'settings:write': 'Change shop settings',
  'staff:read': 'View staff',
  'staff:manage': 'Create staff and change roles',
  'apikeys:manage': 'Create and revoke API keys',
  'audit:read': 'Read the audit log',
  'self:read': 'Read own account',
} as const;
export type Permission = keyof typeof PERMISSIONS;

const ALL = Object.keys(PERMISSIONS) as Permission[];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  owner: ALL,
  admin: ALL.filter((p) => p !== 'apikeys:manage'),
  operator: [
    'self:read', 'dashboard:read', 'catalog:read', 'catalog:write', 'catalog:import', 'media:upload',
    'orders:read', 'orders:fulfil', 'orders:refund', 'orders:export', 'customers:read', 'customers:write',
    'customers:export', 'shipping:manage', 'staff:read', 'promotions:read', 'promotions:write', 'promotions:issue', 'loyalty:read', 'loyalty:manage',
    'distribution:read', 'distribution:manage', 'reviews:moderate', 'analytics:read', 'analytics:write', 'messaging:read', 'messaging:write', 'messaging:send',
    'journeys:read', 'journeys:write',
  ],
  customer_service: [
    'self:read', 'dashboard:read', 'catalog:read', 'orders:read', 'orders:fulfil', 'orders:refund',
    'customers:read', 'customers:write', 'promotions:read', 'promotions:issue', 'loyalty:read', 'distribution:read', 'reviews:moderate', 'messaging:read', 'journeys:read',
  ],
  // Planners (策划) design the campaigns; copywriters and designers see them to write and draw for them.
  planner: ['self:read', 'dashboard:read', 'catalog:read', 'orders:read', 'customers:read', 'customers:export', 'promotions:read', 'promotions:write', 'promotions:issue', 'loyalty:read', 'loyalty:manage', 'distribution:read', 'analytics:read', 'analytics:write', 'messaging:read', 'messaging:write', 'messaging:send', 'journeys:read', 'journeys:write'],
  copywriter: ['self:read', 'catalog:read', 'media:upload', 'promotions:read', 'messaging:read', 'journeys:read'],
  designer: ['self:read', 'catalog:read', 'media:upload', 'promotions:read'],
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
