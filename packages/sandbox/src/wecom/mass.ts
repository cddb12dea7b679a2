import { checkAttachments } from './contacts.js';
import type { Ctx } from './core.js';
import { WxError } from './errors.js';
import { chinaMonth, daysInMonth, newJobid, newMsgid, secs } from './ids.js';
import { receivedOf, setReceived } from './records.js';
import { staffOf, tagIndex, type CorpState, type MassTask, type SendResult, type StaffTask } from './state.js';

/**
 * Mass messages (群发): add_msg_template only creates a task per sending member; nothing reaches a
 * customer until that member confirms it on their phone. At confirmation each recipient is checked: no
 * longer a friend → status 2; already at this month's cap (as many mass messages as the month has days,
 * counted per customer or group chat across the corp) → status 3; otherwise sent (1).
 */
export const MAX_RECIPIENTS = 10_000;

interface TagFilter {
  group_list?: Array<{ tag_list?: string[] }>;
}

/** Customers matching every group of the filter (any tag within a group), as WeCom combines them. */
function matchesFilter(tags: string[], filter: TagFilter | undefined) {
  const groups = filter?.group_list ?? [];
  return groups.every((g) => !g.tag_list?.length || g.tag_list.some((t) => tags.includes(t)));
}

export function addMsgTemplate(s: CorpState, ctx: Ctx, b: Record<string, unknown>) {
  const chatType = b.chat_type === undefined ? 'single' : b.chat_type;
  if (chatType !== 'single' && chatType !== 'group') throw new WxError(40058, "chat_type must be 'single' or 'group'");
  const text = b.text as { content?: unknown } | undefined;
  const attachments = (b.attachments ?? []) as unknown[];
  if (!Array.isArray(attachments) || attachments.length > 9) throw new WxError(40058, 'at most 9 attachments');
  checkAttachments(attachments);
  if (text !== undefined && typeof text?.content !== 'string') throw new WxError(40058, 'text.content must be a string');
  if (!text?.content && !attachments.length) throw new WxError(41033, 'text or attachments required');
  if (b.sender !== undefined && staffOf(s, b.sender)?.status !== 1) throw new WxError(40003, 'invalid sender');
  const sender = b.sender as string | undefined;
  const filter = b.tag_filter as TagFilter | undefined;
  if (filter) {
    const known = tagIndex(s);
    for (const g of filter.group_list ?? []) for (const t of g.tag_list ?? []) if (!known.has(t)) throw new WxError(40068, `invalid tag id ${t}`);
  }
  const tasks = new Map<string, SendResult[]>();
  const failList: string[] = [];
  if (chatType === 'single') {
    const wanted = b.external_userid as unknown;
    if (wanted !== undefined && (!Array.isArray(wanted) || wanted.length > MAX_RECIPIENTS)) throw new WxError(40058, `external_userid must be a list of at most ${MAX_RECIPIENTS}`);
    if (!sender && !wanted) throw new WxError(40058, 'sender or external_userid required');
    const active = new Set(s.staff.filter((x) => x.status === 1).map((x) => x.userid));
    const rels = s.relations.filter((r) => active.has(r.userid) && (!sender || r.userid === sender) && (!wanted || (wanted as string[]).includes(r.external_userid)) && matchesFilter(r.tags, filter));
    for (const r of rels) {
      // A customer with several members gets the message once: from the first member who has them.
      if ([...tasks.values()].some((list) => list.some((x) => x.external_userid === r.external_userid))) continue;
      const list = tasks.get(r.userid) ?? [];
      list.push({ external_userid: r.external_userid, chat_id: '', status: 0, send_time: 0 });
      tasks.set(r.userid, list);
    }
    for (const id of (wanted as string[] | undefined) ?? []) if (!rels.some((r) => r.external_userid === id)) failList.push(id);
  } else {
    if (!sender) throw new WxError(40058, 'sender required for group chat mass messages');
    // chat_id_list narrows the sender's chats (at most 2,000); chats of other owners are left out.
    const only = b.chat_id_list as unknown;
    if (only !== undefined && (!Array.isArray(only) || only.length > 2000)) throw new WxError(40058, 'chat_id_list must be a list of at most 2000');
    const chats = s.groupChats.filter((c) => c.owner === sender && (!only || (only as string[]).includes(c.chat_id)));
    if (chats.length) tasks.set(sender, chats.map((c) => ({ external_userid: '', chat_id: c.chat_id, status: 0, send_time: 0 })));
  }
  if (!tasks.size) throw new WxError(41048, 'no valid recipient');
  const task: MassTask = {
    msgid: newMsgid(),
    chat_type: chatType,
    create_type: 0,
    creator: sender ?? '',
    create_time: secs(ctx.now),
    text: text?.content ? { content: text.content as string } : undefined,
    attachments,
    tasks: [...tasks].map(([userid, results]): StaffTask => ({ userid, status: 0, send_time: 0, results })),
  };
  s.massTasks.push(task);
  return { fail_list: failList, msgid: task.msgid };
}

const taskOf = (s: CorpState, msgid: unknown) => {
  const t = s.massTasks.find((x) => x.msgid === msgid);
  if (!t) throw new WxError(40058, 'invalid msgid');
  return t;
};

/** The member taps 确认发送 on their phone. */
export function confirmTask(s: CorpState, ctx: Ctx, msgid: string, userid: string) {
  const task = taskOf(s, msgid);
  const mine = task.tasks.find((t) => t.userid === userid);
  if (!mine) throw new WxError(40003, 'this member has no part in the task');
  if (mine.status === 2) return mine;
  const month = chinaMonth(ctx.now);
  const cap = daysInMonth(ctx.now);
  mine.status = 2;
  mine.send_time = secs(ctx.now);
  for (const r of mine.results) {
    r.send_time = secs(ctx.now);
    const friend = r.chat_id ? s.groupChats.some((c) => c.chat_id === r.chat_id) : s.relations.some((x) => x.userid === userid && x.external_userid === r.external_userid);
    if (!friend) {
      r.status = 2;
      continue;
    }
    const key = `${r.chat_id || r.external_userid}:${month}`;
    const got = receivedOf(s, key);
    if (got >= cap) {
      r.status = 3;
      continue;
    }
    setReceived(s, key, got + 1);
    r.status = 1;
  }
  return mine;
}

const page = <T>(all: T[], b: Record<string, unknown>, max: number) => {
  const limit = b.limit === undefined ? max : Number(b.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new WxError(40058, `limit must be 1..${max}`);
  const start = Number(b.cursor || 0) || 0;
  const items = all.slice(start, start + limit);
  return { items, next_cursor: start + items.length < all.length ? String(start + items.length) : '' };
};

export function groupMsgList(s: CorpState, b: Record<string, unknown>) {
  const chatType = b.chat_type ?? 'single';
  const start = Number(b.start_time ?? 0);
  const end = Number(b.end_time ?? Number.MAX_SAFE_INTEGER);
  const list = s.massTasks.filter((t) => t.chat_type === chatType && t.create_time >= start && t.create_time <= end && (!b.creator || t.creator === b.creator));
  const p = page(list, b, 100);
  return {
    group_msg_list: p.items.map((t) => ({ msgid: t.msgid, creator: t.creator, create_time: String(t.create_time), create_type: t.create_type, text: t.text, attachments: t.attachments })),
    next_cursor: p.next_cursor,
  };
}

export function groupMsgTask(s: CorpState, b: Record<string, unknown>) {
  const p = page(taskOf(s, b.msgid).tasks, b, 1000);
  return { task_list: p.items.map((t) => ({ userid: t.userid, status: t.status, ...(t.status === 2 ? { send_time: t.send_time } : {}) })), next_cursor: p.next_cursor };
}

export function groupMsgSendResult(s: CorpState, b: Record<string, unknown>) {
  const mine = taskOf(s, b.msgid).tasks.find((t) => t.userid === b.userid);
  if (!mine) throw new WxError(40003, 'invalid userid');
  const p = page(mine.results, b, 1000);
  return {
    send_list: p.items.map((r) => ({ external_userid: r.external_userid, chat_id: r.chat_id, userid: mine.userid, status: r.status, ...(r.status === 1 ? { send_time: r.send_time } : {}) })),
    next_cursor: p.next_cursor,
  };
}

/**
 * Moments (朋友圈): put on the phones of the members in range at once (the job is done when first polled);
 * each member then publishes it, or not, on their phone (the simulation's /moments/:momentId/publish).
 */
export function addMoment(s: CorpState, ctx: Ctx, b: Record<string, unknown>) {
  const text = b.text as { content?: unknown } | undefined;
  const attachments = (b.attachments ?? []) as unknown[];
  if (!Array.isArray(attachments) || attachments.length > 9) throw new WxError(40058, 'at most 9 attachments');
  if (!text?.content && !attachments.length) throw new WxError(41033, 'text or attachments required');
  const range = (b.visible_range ?? {}) as { sender_list?: { user_list?: string[]; department_list?: number[] } };
  const users = range.sender_list?.user_list ?? [];
  const depts = range.sender_list?.department_list ?? [];
  const everyone = !users.length && !depts.length;
  const senders = s.staff.filter((x) => x.status === 1 && (everyone || users.includes(x.userid) || x.department.some((d) => depts.includes(d)))).map((x) => x.userid);
  const jobid = newJobid();
  s.moments.push({
    jobid,
    moment_id: `mom${newJobid().slice(0, 24)}`,
    creator: '',
    create_time: secs(ctx.now),
    text: text?.content ? { content: String(text.content) } : undefined,
    attachments,
    senders,
    invalid_sender_list: users.filter((u) => !senders.includes(u)),
  });
  return { jobid };
}

export function momentResult(s: CorpState, jobid: unknown) {
  const m = s.moments.find((x) => x.jobid === jobid);
  if (!m) throw new WxError(40088, 'invalid jobid');
  return { status: 3, type: 'add_moment_task', result: { errcode: 0, errmsg: 'ok', moment_id: m.moment_id, invalid_sender_list: { user_list: m.invalid_sender_list, department_list: [] }, invalid_external_contact_list: { tag_list: [] } } };
}

const momentOf = (s: CorpState, momentId: unknown) => {
  const m = s.moments.find((x) => x.moment_id === momentId);
  if (!m) throw new WxError(40058, 'invalid moment_id');
  return m;
};

/** get_moment_task: each member the Moment went to, and whether they have published it (publish_status 1). */
export function momentTask(s: CorpState, b: Record<string, unknown>) {
  const m = momentOf(s, b.moment_id);
  const limit = Number(b.limit ?? 500);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new WxError(40058, 'limit must be 1..1000');
  const start = Number(b.cursor || 0) || 0;
  const page = m.senders.slice(start, start + limit);
  return {
    task_list: page.map((userid) => ({ userid, publish_status: m.published?.includes(userid) ? 1 : 0 })),
    next_cursor: start + page.length < m.senders.length ? String(start + page.length) : '',
  };
}

/** A member taps 发表 on their phone. */
export function publishMoment(s: CorpState, momentId: string, userid: unknown) {
  const m = momentOf(s, momentId);
  if (typeof userid !== 'string' || !m.senders.includes(userid)) throw new WxError(40003, 'this member was not asked to publish the moment');
  m.published = [...new Set([...(m.published ?? []), userid])];
  return { moment_id: m.moment_id, published: m.published };
}
