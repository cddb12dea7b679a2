import type { WecomAttachment, WecomSopAnchor, WecomSopStep } from '@siyu/contracts';
import type { SyncRun } from './types';

/**
 * Answers of the WeCom customer-group APIs (groups*.ts in apps/server/src/modules/wecom): the groups and
 * their members, group codes, group welcome templates and group SOPs, as the console reads them.
 */

/** WeCom's group status: 0 normal, 1 the owner left the corp, 2 being inherited, 3 inherited. */
export type GroupStatus = 0 | 1 | 2 | 3;

export interface GroupListItem {
  chatId: string;
  name: string;
  owner: string;
  ownerName: string | null;
  status: GroupStatus | number;
  memberCount: number;
  customerCount: number;
  createdAt: string | null;
  notice: string;
  joined7d: number;
  left7d: number;
}

export interface GroupDetail extends GroupListItem {
  members: { staff: number; customers: number };
}

export type GroupPresence = 'current' | 'left' | 'all';

export interface GroupMember {
  memberId: string;
  kind: 'staff' | 'customer';
  name: string | null;
  joinTime: string | null;
  /** 1 invited directly, 2 by the invite link, 3 by scanning a QR code (a group code among them). */
  joinScene: number | null;
  /** The group code's state the member came through, when they scanned one. */
  state: string | null;
  invitor: string | null;
  leftAt: string | null;
  customerId: string | null;
}

export interface GroupsOverview {
  groups: number;
  customers: number;
  joinedToday: number;
  leftToday: number;
  days: { day: string; joined: number; left: number }[];
}

/** The corp's sync run (the staff sync's), which reads the groups last. */
export interface GroupSyncRun extends Omit<SyncRun, 'progress'> {
  progress: SyncRun['progress'] & Partial<Record<'groups' | 'groupsDone' | 'groupsTotal', number>>;
}

export interface GroupCode {
  id: string;
  name: string;
  state: string;
  chatIds: string[];
  chats: { chatId: string; name: string; memberCount: number }[];
  autoCreateRoom: boolean;
  roomBaseName: string;
  roomBaseId: number;
  configId: string;
  qrCode: string;
  createdAt: string;
}

export interface GroupCodeStats {
  joins: number;
  stillIn: number;
  left: number;
  days: { day: string; joins: number }[];
  chats: { chatId: string; name: string; joins: number; memberCount: number }[];
}

export interface GroupWelcome {
  id: string;
  name: string;
  templateId: string | null;
  text: string;
  attachment: WecomAttachment | null;
  notifyStaff: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface SopCounts {
  queued: number;
  sent: number;
  skipped: number;
}

export interface GroupSop {
  id: string;
  name: string;
  anchor: WecomSopAnchor;
  chatIds: string[];
  /** The named chats with their names (empty when a chat is no longer synced). */
  chats: { chatId: string; name: string }[];
  owners: string[];
  steps: WecomSopStep[];
  active: boolean;
  /** Steps that fell due before this are not sent: switching an SOP on starts it from then. */
  activeSince?: string;
  createdAt: string;
  counts: SopCounts;
}

export type SopRunStatus = 'queued' | 'sent' | 'skipped';

export interface SopRun {
  stepIndex: number;
  /** Null when the SOP was edited and has no such step any more. */
  day: number | null;
  time: string | null;
  chatId: string;
  chatName: string | null;
  /** The new member a 入群后 step writes to; null for a step sent to the group. */
  member: { externalUserid: string; name: string | null } | null;
  owner: string;
  dueAt: string;
  status: SopRunStatus;
  reason: string | null;
  massTaskId: string | null;
}

export interface SopRuns {
  items: SopRun[];
  total: number;
  steps: ({ stepIndex: number } & SopCounts)[];
}
