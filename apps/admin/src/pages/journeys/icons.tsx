import type { ReactNode } from 'react';
import {
  ApiOutlined,
  BranchesOutlined,
  ClockCircleOutlined,
  CalendarOutlined,
  FieldTimeOutlined,
  GiftOutlined,
  LogoutOutlined,
  NodeIndexOutlined,
  SendOutlined,
  StarOutlined,
  TagOutlined,
  HourglassOutlined,
} from '@ant-design/icons';
import type { JourneyNodeType } from '@siyu/contracts';

/** Icons and colour groups of node types (the canvas, the palette and the playbook previews). */
export const NODE_ICONS: Record<JourneyNodeType, ReactNode> = {
  wait: <HourglassOutlined />,
  wait_until_time: <ClockCircleOutlined />,
  wait_until_date: <CalendarOutlined />,
  wait_event: <FieldTimeOutlined />,
  condition: <BranchesOutlined />,
  random_split: <NodeIndexOutlined />,
  send: <SendOutlined />,
  coupon: <GiftOutlined />,
  points: <StarOutlined />,
  tag: <TagOutlined />,
  webhook: <ApiOutlined />,
  exit: <LogoutOutlined />,
};

/** Timing blue, logic purple, actions green, exit grey. */
export const nodeKind = (type: JourneyNodeType) =>
  ['wait', 'wait_until_time', 'wait_until_date', 'wait_event'].includes(type) ? 'timing' : ['condition', 'random_split'].includes(type) ? 'logic' : type === 'exit' ? 'exit' : 'action';

