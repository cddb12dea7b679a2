import type { WecomAttachment, WecomMassAudience, WecomMassRecipientStatus, WecomMassTaskStatus, WecomHandoverCustomerState, WecomStage } from '@siyu/contracts';

/**
 * Answers of the WeCom reach and service APIs (mass-routes.ts, handover-routes.ts, followup-routes.ts
 * in apps/server/src/modules/wecom), as the console reads them.
 */

export interface MassCounts {
  total: number;
  excluded: number;
  pending: number;
  sent: number;
  notFriend: number;
  receivedOther: number;
  unconfirmed: number;
}

export interface MassTask {
  id: string;
  name: string;
  chatType: 'single' | 'group';
  audience: WecomMassAudience;
  senders: string[];
  text: string;
  attachments: WecomAttachment[];
  sendAt: string;
  notBefore: string | null;
  status: WecomMassTaskStatus;
  error: string | null;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  recipients: MassCounts;
}

export interface MassTaskListItem extends MassTask {
  staff: { total: number; confirmed: number };
}

export interface MassStaffProgress {
  userid: string;
  name: string;
  /** creating: not in WeCom yet; pending: on the phone, not confirmed; sent: confirmed; failed: WeCom refused the part. */
  status: 'creating' | 'pending' | 'sent' | 'failed';
  sendTime: string | null;
  error: string | null;
  recipients: { total: number; pending: number; sent: number; notFriend: number; receivedOther: number; unconfirmed: number };
}

export interface MassTaskDetail extends MassTask {
  excludedReasons: Record<string, number>;
  staff: MassStaffProgress[];
}

export interface MassRecipient {
  externalUserId: string | null;
  chatId: string | null;
  name: string | null;
  userid: string;
  customerId: string | null;
  status: WecomMassRecipientStatus;
  reason: string | null;
  sendTime: string | null;
}

export interface Moment {
  id: string;
  text: string;
  attachments: WecomAttachment[];
  userids: string[];
  departmentIds: number[];
  tagIds: string[];
  status: 'creating' | 'publishing' | 'done' | 'failed';
  momentId: string | null;
  invalidUserids: string[];
  invalidTagIds: string[];
  error: string | null;
  createdBy: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface MomentDetail extends Moment {
  staff: { userid: string; name: string; status: 'invalid' | 'published' | 'unpublished' | 'failed' | 'pending' }[];
}

export type HandoverCounts = Record<'total' | WecomHandoverCustomerState, number>;

export interface HandoverRefusal {
  reason: 'transfer_limit' | 'relation_ended' | 'in_progress' | 'not_owner' | string;
  handoverUserid?: string;
  externalUserid?: string;
  relationId?: string | null;
  chatId?: string;
  name?: string | null;
  count?: number;
  nextAllowedAt?: string;
}

export interface HandoverPlan {
  preview: true;
  kind: 'onjob' | 'resigned';
  handoverUserid: string;
  takeoverUserid: string;
  customers: { externalUserid: string; relationId: string | null; name: string | null }[];
  groups: { chatId: string; name: string }[];
  refusals: HandoverRefusal[];
}

export interface Handover {
  id: string;
  kind: 'onjob' | 'resigned';
  handoverUserid: string;
  takeoverUserid: string;
  successMessage: string | null;
  status: 'sending' | 'waiting' | 'done';
  counts: HandoverCounts;
  refusals: HandoverRefusal[];
  createdBy: string | null;
  createdAt: string;
  sentAt: string | null;
  lastPolledAt: string | null;
  finishedAt: string | null;
}

export interface HandoverDetail extends Handover {
  customers: {
    externalUserid: string;
    name: string | null;
    relationId: string | null;
    state: WecomHandoverCustomerState;
    chunk: number | null;
    errcode: number | null;
    wecomStatus: number | null;
    requestedAt: string;
    sentAt: string | null;
    takeoverAt: string | null;
    settledAt: string | null;
  }[];
  groups: { chatId: string; name: string | null; state: string; chunk: number | null; errcode: number | null; requestedAt: string; settledAt: string | null }[];
}

export interface GroupChat {
  chatId: string;
  name: string;
  owner: string;
  status: number;
  memberCount: number;
  syncedAt: string;
}

export interface UnassignedCustomer {
  handoverUserid: string;
  handoverName: string | null;
  externalUserid: string;
  name: string | null;
  relationId: string | null;
  dimissionTime: string | null;
}

export interface Followup {
  id: string;
  relationId: string;
  staffUserid: string | null;
  author: string;
  text: string;
  stageBefore: WecomStage;
  stageAfter: WecomStage;
  stageChanged: boolean;
  at: string;
}

export interface ReminderRule {
  id: string;
  name: string;
  event: 'order.paid';
  categoryIds: string[];
  delayDays: number;
  title: string;
  text: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export type ReminderStatus = 'scheduled' | 'sending' | 'sent' | 'skipped' | 'failed' | 'cancelled';
export type TodoStatus = 'open' | 'done' | 'snoozed';

export interface Reminder {
  id: string;
  ruleId: string | null;
  customerId: string | null;
  externalUserid: string | null;
  name: string | null;
  title: string;
  text: string;
  rendered: string;
  dueAt: string;
  status: ReminderStatus;
  staffUserid: string | null;
  relationId: string | null;
  skipReason: string | null;
  error: string | null;
  sentAt: string | null;
  todo: TodoStatus | null;
  snoozedUntil: string | null;
  createdBy: string;
  createdAt: string;
}
