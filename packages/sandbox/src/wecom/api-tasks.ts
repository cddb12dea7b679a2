import type { Route } from './api.js';
import { WxError } from './errors.js';
import { getChat, listChats, transferChats } from './groups.js';
import { addMoment, addMsgTemplate, groupMsgList, groupMsgSendResult, groupMsgTask, momentResult, momentTask } from './mass.js';
import { newMsgid, newTicket, secs } from './ids.js';
import { TOKEN_TTL_S, WECOM_SANDBOX, staffOf, type CorpState } from './state.js';
import { addAppMessages } from './records.js';
import { requestTransfers, transferResult, unassigned } from './transfers.js';

/** The vendor APIs that start work which finishes later: transfers, mass messages, moments; and app messages. */
export function taskApi(route: Route) {
  // ---- customer transfers ----
  route(['POST'], '/cgi-bin/externalcontact/transfer_customer', ({ s, ctx, body }) => requestTransfers(s, ctx, 'onjob', body));
  route(['POST'], '/cgi-bin/externalcontact/transfer_result', ({ s, body }) => transferResult(s, 'onjob', body));
  route(['POST'], '/cgi-bin/externalcontact/resigned/transfer_customer', ({ s, ctx, body }) => requestTransfers(s, ctx, 'resigned', body));
  route(['POST'], '/cgi-bin/externalcontact/resigned/transfer_result', ({ s, body }) => transferResult(s, 'resigned', body));
  route(['POST'], '/cgi-bin/externalcontact/get_unassigned_list', ({ s, body }) => unassigned(s, body));

  // ---- mass messages ----
  route(['POST'], '/cgi-bin/externalcontact/add_msg_template', ({ s, ctx, body }) => addMsgTemplate(s, ctx, body));
  route(['POST'], '/cgi-bin/externalcontact/get_groupmsg_list_v2', ({ s, body }) => groupMsgList(s, body));
  route(['POST'], '/cgi-bin/externalcontact/get_groupmsg_task', ({ s, body }) => groupMsgTask(s, body));
  route(['POST'], '/cgi-bin/externalcontact/get_groupmsg_send_result', ({ s, body }) => groupMsgSendResult(s, body));

  // ---- group chats ----
  route(['POST'], '/cgi-bin/externalcontact/groupchat/list', ({ s, body }) => listChats(s, body));
  route(['POST'], '/cgi-bin/externalcontact/groupchat/get', ({ s, body }) => getChat(s, body));
  route(['POST'], '/cgi-bin/externalcontact/groupchat/transfer', ({ s, body }) => transferChats(s, body, false));
  route(['POST'], '/cgi-bin/externalcontact/groupchat/onjob_transfer', ({ s, body }) => transferChats(s, body, true));

  // ---- moments ----
  route(['POST'], '/cgi-bin/externalcontact/add_moment_task', ({ s, ctx, body }) => addMoment(s, ctx, body));
  // Published as GET with ?jobid=; POST is accepted too, as some clients send it.
  route(['GET', 'POST'], '/cgi-bin/externalcontact/get_moment_task_result', ({ s, query, body }) => momentResult(s, query.jobid ?? body.jobid));
  route(['POST'], '/cgi-bin/externalcontact/get_moment_task', ({ s, body }) => momentTask(s, body));

  // ---- app messages to staff (应用消息) ----
  route(['POST'], '/cgi-bin/message/send', ({ s, ctx, body }) => {
    if (Number(body.agentid) !== WECOM_SANDBOX.agentId) throw new WxError(40056, 'invalid agentid');
    const msgtype = body.msgtype;
    let content: string;
    let title: string | undefined;
    let url: string | undefined;
    if (msgtype === 'text' || msgtype === 'markdown') {
      const c = (body[msgtype] as { content?: unknown } | undefined)?.content;
      if (typeof c !== 'string' || !c) throw new WxError(44004, 'empty content');
      if (Buffer.byteLength(c) > 2048) throw new WxError(45002, 'content size out of limit');
      content = c;
    } else if (msgtype === 'textcard') {
      const card = (body.textcard ?? {}) as { title?: unknown; description?: unknown; url?: unknown };
      if (typeof card.title !== 'string' || !card.title) throw new WxError(41016, 'missing title');
      if (typeof card.description !== 'string' || !card.description) throw new WxError(41033, 'missing description');
      if (typeof card.url !== 'string' || !card.url) throw new WxError(41010, 'missing url');
      content = card.description;
      title = card.title;
      url = card.url;
    } else {
      throw new WxError(40008, 'invalid message type');
    }
    const wanted = typeof body.touser === 'string' ? body.touser.split('|').filter(Boolean) : [];
    if (!wanted.length) throw new WxError(40058, 'touser required');
    const all = wanted.includes('@all');
    const valid = all ? s.staff.filter((x) => x.status === 1).map((x) => x.userid) : wanted.filter((u) => staffOf(s, u)?.status === 1);
    const invalid = all ? [] : wanted.filter((u) => !valid.includes(u));
    if (!valid.length) throw new WxError(81013, 'user & party & tag all invalid');
    const msgid = newMsgid();
    // Reminders pile up; a phone keeps the latest few hundred per member.
    addAppMessages(s, valid.map((touser) => ({ msgid, touser, msgtype, content, title, url, sent_at: ctx.now })), 2000);
    return { invaliduser: invalid.join('|'), msgid };
  });

  // ---- JS-SDK tickets for the sidebar ----
  const ticket = (s: CorpState, now: number, kind: 'corp' | 'agent') => {
    const cur = s.tickets[kind];
    if (cur && cur.expiresAt > now) return { ticket: cur.ticket, expires_in: secs(cur.expiresAt - now) };
    const t = { ticket: newTicket(), expiresAt: now + TOKEN_TTL_S * 1000 };
    s.tickets[kind] = t;
    return { ticket: t.ticket, expires_in: TOKEN_TTL_S };
  };
  route(['GET'], '/cgi-bin/get_jsapi_ticket', ({ s, ctx }) => ticket(s, ctx.now, 'corp'));
  route(['GET'], '/cgi-bin/ticket/get', ({ s, ctx, query }) => {
    if (query.type !== 'agent_config') throw new WxError(40058, "type must be 'agent_config'");
    return ticket(s, ctx.now, 'agent');
  });
}
