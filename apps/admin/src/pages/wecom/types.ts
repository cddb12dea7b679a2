import type { WecomRelationStatus, WecomStage } from '@siyu/contracts';

/** Answers of /api/admin/wecom (apps/server/src/modules/wecom), as the console reads them. */

export interface WecomSettings {
  id: string;
  corpId: string;
  /** Masked (abc…xyz): the stored secret is never sent back. */
  contactSecret: string | null;
  agentId: number | null;
  agentSecret: string | null;
  callbackToken: string;
  encodingAesKey: string | null;
  callbackUrl: string;
  verifiedAt: string | null;
  lastError: string | null;
}

export interface WecomTestResult {
  ok: boolean;
  results: { secret: 'contact' | 'agent'; ok: boolean; errcode?: number; error?: string }[];
}

export interface SyncRun {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress: Partial<Record<'departments' | 'staff' | 'left' | 'tags' | 'relations' | 'relationStaffDone' | 'relationStaffTotal', number>>;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface Department {
  id: number;
  name: string;
  parentId: number;
  order: number;
}

export interface StaffMember {
  userid: string;
  name: string;
  departments: number[];
  position: string;
  status: number;
  active: boolean;
  canContact: boolean;
  leftAt: string | null;
  customers: number;
}

export interface CorpTag {
  id: string;
  groupId: string;
  groupName: string;
  name: string;
}

export interface Relation {
  id: string;
  staffUserid: string;
  staffName: string | null;
  externalUserid: string;
  name: string | null;
  customerId: string | null;
  remark: string;
  description: string;
  remarkMobiles: string[];
  addWay: number;
  state: string | null;
  channelCodeId: string | null;
  tagIds: string[];
  stage: WecomStage;
  status: WecomRelationStatus;
  addedAt: string;
  deletedAt: string | null;
}

export interface RelationDetail extends Relation {
  history: { kind: 'added' | 'deleted_by_staff' | 'deleted_by_customer' | 'transfer_failed' | string; channelCodeId: string | null; detail: Record<string, unknown> | null; at: string }[];
}

export interface ChannelCodeSchedule {
  weekdays: number[];
  start: string;
  end: string;
  users: string[];
}

export interface ChannelCode {
  id: string;
  name: string;
  state: string;
  configId: string;
  qrCode: string;
  mode: 'single' | 'rotation';
  users: string[];
  schedules: ChannelCodeSchedule[];
  backupUserid: string | null;
  currentUsers: string[];
  tagIds: string[];
  skipVerify: boolean;
  welcome: {
    text: string;
    couponTemplateId: string | null;
    miniprogram: { appid: string; title: string; page: string; picMediaId: string } | null;
  } | null;
  createdAt: string;
  updatedAt: string;
}

export interface ChannelCodeStats {
  id: string;
  name: string;
  state: string;
  deleted: boolean;
  adds: number;
  deletions: number;
  deletedByStaff: number;
  deletedByCustomer: number;
  activeContacts: number;
  linkedCustomers: number;
  buyers: number;
  firstOrders: number;
  orders: number;
  revenueFen: number;
}
