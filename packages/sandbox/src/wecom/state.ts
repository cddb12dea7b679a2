/**
 * What the WeCom simulator remembers of one corp (企业). A process serving a corp keeps it in memory
 * (core.ts) and changes it one call at a time, each call synchronous from read to change, so the rules that
 * span objects (a customer's transfers in 90 days, a customer's mass messages this month, a taker's customer
 * limit, a welcome code used once) are checked against a consistent picture. The store holds it as one small
 * corp record plus a record per customer, relation, welcome code, welcome message, mass-message counter and
 * app message (records.ts), so a call writes what it changed, not the corp.
 */
export const KIND = {
  /** The corp without its growing collections (records.ts has their kinds). */
  corp: 'wecom.corp',
  token: 'wecom.token',
  /** An event on its way to the corp's callback URL (pending attempts carry a due time). */
  push: 'wecom.push',
} as const;

export const TOKEN_TTL_S = 7200;
export const WELCOME_CODE_TTL_MS = 20_000;
export const TRANSFER_DELAY_MS = 24 * 3600_000;
export const TRANSFER_WINDOW_MS = 90 * 24 * 3600_000;
/** On-job transfers of one customer allowed within TRANSFER_WINDOW_MS. */
export const TRANSFERS_PER_WINDOW = 2;
export const DEFAULT_CUSTOMER_LIMIT = 50_000;

export const DEFAULT_CORP_ID = 'wwsandbox0000001';

/** The sandbox corp as a merchant would configure it in Siyu (the WeCom admin console's values). */
export const WECOM_SANDBOX = {
  corpId: DEFAULT_CORP_ID,
  corpName: '私域好物',
  /** 客户联系 secret. */
  contactSecret: 'sandbox-contact-secret',
  /** The self-built app (自建应用) that sends reminders to staff and hosts the sidebar. */
  agentId: 1000002,
  agentSecret: 'sandbox-agent-secret',
  /** The callback's Token and EncodingAESKey (接收事件服务器). */
  token: 'sandboxtoken',
  encodingAesKey: 'c2l5dVdlQ29tU2FuZGJveEVuY29kaW5nQWVzS2V5MDE',
  departments: [
    { id: 1, name: '私域好物', parentid: 0, order: 100000000 },
    { id: 2, name: '南京西路店', parentid: 1, order: 100000000 },
    { id: 3, name: '静安寺店', parentid: 1, order: 99999000 },
  ],
  staff: [
    { userid: 'zhangsan', name: '张三', department: [2], position: '店长', mobile: '13800000001', gender: '1' },
    { userid: 'lisi', name: '李四', department: [2], position: '导购', mobile: '13800000002', gender: '2' },
    { userid: 'wangwu', name: '王五', department: [2], position: '导购', mobile: '13800000003', gender: '1' },
    { userid: 'zhaoliu', name: '赵六', department: [3], position: '店长', mobile: '13800000004', gender: '2' },
    { userid: 'sunqi', name: '孙七', department: [3], position: '导购', mobile: '13800000005', gender: '1' },
    { userid: 'zhouba', name: '周八', department: [3], position: '导购', mobile: '13800000006', gender: '2' },
  ],
} as const;

export type SecretKind = 'contact' | 'agent';

export interface Department {
  id: number;
  name: string;
  parentid: number;
  order: number;
}

export interface Staff {
  userid: string;
  name: string;
  department: number[];
  position: string;
  mobile: string;
  gender: string;
  /** 1 activated, 5 left the corp (离职). */
  status: 1 | 5;
  leftAt?: number;
  /** How many customers this member may have; a transfer to a member at the limit fails with status 4. */
  customerLimit: number;
}

export interface Customer {
  external_userid: string;
  name: string;
  type: 1;
  gender: 0 | 1 | 2;
  unionid?: string;
  avatar: string;
}

/** A follow relation (跟进关系): one staff member and one customer who are friends. */
export interface Relation {
  userid: string;
  external_userid: string;
  remark: string;
  description: string;
  createtime: number;
  tags: string[];
  remark_mobiles: string[];
  add_way: number;
  state?: string;
  oper_userid: string;
}

export interface Tag {
  id: string;
  name: string;
  create_time: number;
  order: number;
}

export interface TagGroup {
  group_id: string;
  group_name: string;
  create_time: number;
  order: number;
  tag: Tag[];
}

export interface ContactWay {
  config_id: string;
  type: 1 | 2;
  scene: 1 | 2;
  style?: number;
  remark: string;
  skip_verify: boolean;
  state: string;
  user: string[];
  party: number[];
  qr_code?: string;
  /** Who the next scan of a multi-member code goes to. */
  next: number;
}

export interface WelcomeCode {
  code: string;
  userid: string;
  external_userid: string;
  issuedAt: number;
  used: boolean;
}

export interface WelcomeMessage {
  external_userid: string;
  userid: string;
  text?: string;
  attachments: unknown[];
  sent_at: number;
}

export interface SendResult {
  external_userid: string;
  chat_id: string;
  /** 0 not sent, 1 sent, 2 not a friend, 3 already got another mass message (the monthly cap). */
  status: 0 | 1 | 2 | 3;
  send_time: number;
}

export interface StaffTask {
  userid: string;
  /** 0 not sent (awaiting the member's confirmation), 2 sent. */
  status: 0 | 2;
  send_time: number;
  results: SendResult[];
}

export interface MassTask {
  msgid: string;
  chat_type: 'single' | 'group';
  create_type: 0 | 1;
  creator: string;
  create_time: number;
  text?: { content: string };
  attachments: unknown[];
  tasks: StaffTask[];
}

export interface Transfer {
  kind: 'onjob' | 'resigned';
  handover_userid: string;
  takeover_userid: string;
  external_userid: string;
  requestedAt: number;
  /** Scheduled while waiting (status 2), actual once done. */
  takeover_time: number;
  /** 1 done, 2 waiting, 3 refused by the customer, 4 the taker is at their customer limit. */
  status: 1 | 2 | 3 | 4;
  success_msg?: string;
}

export interface ChatMember {
  userid: string;
  type: 1 | 2;
  join_time: number;
  join_scene: number;
  unionid?: string;
  invitor?: { userid: string };
  /** The state of the join way (入群方式) the customer came through. */
  state?: string;
}

export interface GroupChat {
  chat_id: string;
  name: string;
  owner: string;
  create_time: number;
  notice: string;
  /** 0 normal, 1 owner left, awaiting reassignment; dismissed chats are removed. */
  status: 0 | 1;
  member_list: ChatMember[];
  /** The group welcome template (入群欢迎语) the owner chose for this chat on their phone. */
  welcome_template_id?: string;
}

export interface GroupJoinWay {
  config_id: string;
  scene: 1 | 2;
  remark: string;
  auto_create_room: 0 | 1;
  room_base_name: string;
  room_base_id: number;
  chat_id_list: string[];
  state: string;
  qr_code: string;
}

export interface GroupWelcomeTemplate {
  template_id: string;
  text?: { content: string };
  /** At most one of image / link / miniprogram, as WeCom takes it. */
  attachment?: { msgtype: 'image' | 'link' | 'miniprogram'; [k: string]: unknown };
  notify: 0 | 1;
  create_time: number;
}

export interface GroupWelcomeMessage {
  chat_id: string;
  external_userid: string;
  template_id: string;
  text?: string;
  sent_at: number;
}

export interface Moment {
  jobid: string;
  moment_id: string;
  creator: string;
  create_time: number;
  text?: { content: string };
  attachments: unknown[];
  senders: string[];
  invalid_sender_list: string[];
  /** Members who have published it on their phone. */
  published?: string[];
}

export interface AppMessage {
  msgid: string;
  touser: string;
  msgtype: string;
  content: string;
  title?: string;
  url?: string;
  sent_at: number;
}

export interface Fault {
  errcode: number;
  remaining: number;
  path?: string;
}

export interface CorpState {
  corpId: string;
  name: string;
  /** Sim time = real time + clockOffsetMs; tests move it forward. */
  clockOffsetMs: number;
  callbackUrl?: string;
  departments: Department[];
  staff: Staff[];
  // customers, relations, welcomeCodes, welcomeMessages, received and appMessages grow with the customers:
  // in the store they are records of their own (records.ts), the rest is the corp record.
  customers: Record<string, Customer>;
  relations: Relation[];
  tagGroups: TagGroup[];
  contactWays: ContactWay[];
  /** By code, in the order issued (the oldest are dropped first). */
  welcomeCodes: Record<string, WelcomeCode>;
  welcomeMessages: WelcomeMessage[];
  massTasks: MassTask[];
  /** Mass messages received per customer (or group chat) per Beijing month: `${id}:${YYYY-MM}`. */
  received: Record<string, number>;
  transfers: Transfer[];
  groupChats: GroupChat[];
  /** Group join ways (群活码) and group welcome templates: see join-ways.ts. Absent in corps stored before them. */
  groupJoinWays?: GroupJoinWay[];
  groupWelcomeTemplates?: GroupWelcomeTemplate[];
  groupWelcomeMessages?: GroupWelcomeMessage[];
  moments: Moment[];
  appMessages: AppMessage[];
  tokens: Partial<Record<SecretKind, { token: string; expiresAt: number }>>;
  tickets: Partial<Record<'corp' | 'agent', { ticket: string; expiresAt: number }>>;
  faults: Fault[];
}

export function newCorp(corpId: string, name: string = WECOM_SANDBOX.corpName): CorpState {
  return {
    corpId,
    name,
    clockOffsetMs: 0,
    departments: WECOM_SANDBOX.departments.map((d) => ({ ...d })),
    staff: WECOM_SANDBOX.staff.map((s) => ({ ...s, department: [...s.department], status: 1, customerLimit: DEFAULT_CUSTOMER_LIMIT })),
    customers: {},
    relations: [],
    tagGroups: [],
    contactWays: [],
    welcomeCodes: {},
    welcomeMessages: [],
    massTasks: [],
    received: {},
    transfers: [],
    groupChats: [],
    moments: [],
    appMessages: [],
    tokens: {},
    tickets: {},
    faults: [],
  };
}

export interface TokenRecord {
  corpId: string;
  secret: SecretKind;
  /** Sim time of the corp. */
  expiresAt: number;
  invalid?: boolean;
}

/** Staff and customers are compared by id everywhere; these keep the lookups in one place. */
export const staffOf = (s: CorpState, userid: unknown) => s.staff.find((x) => x.userid === userid);
export const relationOf = (s: CorpState, userid: unknown, external: unknown) => s.relations.find((r) => r.userid === userid && r.external_userid === external);
export const relationsOfStaff = (s: CorpState, userid: string) => s.relations.filter((r) => r.userid === userid);
export const tagIndex = (s: CorpState) => {
  const m = new Map<string, { tag: Tag; group: TagGroup }>();
  for (const group of s.tagGroups) for (const tag of group.tag) m.set(tag.id, { tag, group });
  return m;
};
