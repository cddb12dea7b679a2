import type { GroupStatus, LaunchStatus, WithdrawalStatus } from './api';

// The storefront is Chinese only (zh-CN); the words of the fission pages live here together.

export const GROUP_STATUS_TEXT: Record<GroupStatus, string> = {
  open: '拼团中',
  succeeded: '拼团成功',
  failed: '拼团失败,已退款',
};

export const LAUNCH_STATUS_TEXT: Record<LaunchStatus, string> = {
  ongoing: '砍价中',
  succeeded: '已砍到底价',
  expired: '已结束',
  ordered: '已下单',
};

export const WITHDRAWAL_STATUS_TEXT: Record<WithdrawalStatus, string> = {
  reviewing: '审核中',
  approved: '已通过,等待打款',
  transferring: '打款中',
  wait_confirm: '待确认收款',
  paid: '已到账',
  rejected: '已驳回',
  failed: '打款失败',
};

export const PROMOTER_STATUS_TEXT = {
  none: '未加入',
  pending: '审核中',
  approved: '推广员',
  rejected: '已拒绝',
  disabled: '已停用',
} as const;

export const VIRTUAL_SEAT_TEXT = '系统补位';

