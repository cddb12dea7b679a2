/** What /api/platform answers about shops and the operator's actions. */
export interface PlatformShop {
  id: string;
  slug: string;
  name: string;
  logoUrl: string | null;
  status: 'active' | 'suspended';
  suspendedAt: string | null;
  suspensionReason: string | null;
  suspensionReasonPublic: boolean;
  createdAt: string;
  owner: { id: string; login: string; displayName: string; phone: string | null } | null;
  products: number;
  orders: number;
}

export interface OperatorAuditEntry {
  id: number;
  operatorLogin: string;
  action: string;
  shopId: string | null;
  reason: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  createdAt: string;
}
