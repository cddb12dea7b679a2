import type { FastifyInstance } from 'fastify';
import { batchByUser, getContact, listOfStaff, remark, sendWelcome, MAX_STATE_LENGTH } from './contacts.js';
import type { Ctx, WecomCore } from './core.js';
import { NoCorp, WxError } from './errors.js';
import { addTags, deleteTags, editTag, listTags, markTag } from './tags.js';
import { newConfigId, wxErr } from './ids.js';
import { WECOM_SANDBOX, staffOf, type ContactWay, type CorpState, type SecretKind } from './state.js';

/** A body the JSON parser could not read, or none at all (see index.ts). */
export type Body = Record<string, unknown> & { __invalidJson?: boolean; __empty?: boolean };

export interface Call {
  s: CorpState;
  ctx: Ctx;
  body: Body;
  query: Record<string, string | undefined>;
  secret: SecretKind;
}

export type Route = (methods: Array<'GET' | 'POST'>, path: string, handler: (c: Call) => unknown) => void;

const NGINX_502 = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/**
 * Every API but gettoken: access_token checked (41001, 40014, 42001), then one atomic change of the corp in
 * which an injected fault is taken or the handler runs. Errors are `{errcode, errmsg}` with HTTP 200; a
 * 5xx fault is that HTTP status with an nginx page, as a gateway in front of WeCom would answer.
 */
export function makeRoute(app: FastifyInstance, core: WecomCore): Route {
  return (methods, path, handler) => {
    app.route({
      method: methods,
      url: path,
      schema: { hide: true },
      handler: async (req, reply) => {
        const query = (req.query ?? {}) as Record<string, string | undefined>;
        const who = await core.checkToken(query.access_token);
        if (!('corpId' in who)) return who;
        const body = (req.method === 'POST' ? (req.body ?? { __empty: true }) : {}) as Body;
        try {
          const out = await core.mutate(who.corpId, (s, ctx) => {
            const i = s.faults.findIndex((f) => f.remaining > 0 && (f.path ? f.path === path : true));
            if (i >= 0) {
              const f = s.faults[i];
              f.remaining -= 1;
              s.faults = s.faults.filter((x) => x.remaining > 0);
              if (f.errcode === 40014 || f.errcode === 42001) delete s.tokens[who.secret];
              return { fault: f.errcode };
            }
            if (req.method === 'POST' && (body.__empty || body.__invalidJson || typeof body !== 'object' || Array.isArray(body))) throw new WxError(47001, 'data format error');
            return { value: handler({ s, ctx, body, query, secret: who.secret }) };
          });
          if ('fault' in out) {
            const code = out.fault!;
            if (code >= 500 && code < 600) return reply.code(code).type('text/html').send(NGINX_502.replace(/502 Bad Gateway/g, `${code} Error`));
            // The token really ends, so the merchant's retry with a fresh token is what gets through.
            if (code === 40014 || code === 42001) await core.invalidateToken(who.token);
            return wxErr(code, code === 42001 ? 'access_token expired' : code === 40014 ? 'invalid access_token' : code === 45009 ? 'api freq out of limit' : 'system error');
          }
          return { errcode: 0, errmsg: 'ok', ...(out.value as object) };
        } catch (err) {
          if (err instanceof WxError) return wxErr(err.errcode, err.message);
          if (err instanceof NoCorp) return wxErr(40014, 'invalid access_token');
          throw err;
        }
      },
    });
  };
}

const str = (v: unknown, field: string, errcode = 40058): string => {
  if (typeof v !== 'string' || !v) throw new WxError(errcode, `${field} required`);
  return v;
};

export function contactApi(app: FastifyInstance, core: WecomCore, route: Route, baseUrl: () => string) {
  app.get('/cgi-bin/gettoken', { schema: { hide: true } }, async (req) => {
    const q = req.query as { corpid?: string; corpsecret?: string };
    if (!q.corpid) return wxErr(41002, 'corpid missing');
    const s = await core.corp(q.corpid);
    if (!s) return wxErr(40013, 'invalid corpid');
    if (!q.corpsecret) return wxErr(41004, 'corpsecret missing');
    const secret: SecretKind | undefined = q.corpsecret === WECOM_SANDBOX.contactSecret ? 'contact' : q.corpsecret === WECOM_SANDBOX.agentSecret ? 'agent' : undefined;
    if (!secret) return wxErr(40001, 'invalid secret');
    const fault = s.faults.some((f) => f.path === '/cgi-bin/gettoken')
      ? await core.mutate(s.corpId, (st) => {
          const f = st.faults.find((x) => x.path === '/cgi-bin/gettoken' && x.remaining > 0);
          if (f) f.remaining -= 1;
          st.faults = st.faults.filter((x) => x.remaining > 0);
          return f?.errcode;
        })
      : undefined;
    if (fault) return wxErr(fault, 'system error');
    const t = await core.issueToken(s.corpId, secret);
    return { errcode: 0, errmsg: 'ok', access_token: t.token, expires_in: t.expiresIn };
  });

  // ---- the directory (通讯录) ----

  const subtree = (s: CorpState, id: number) => {
    const out = new Set([id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const d of s.departments) if (out.has(d.parentid) && !out.has(d.id)) (out.add(d.id), (grew = true));
    }
    return out;
  };

  route(['GET'], '/cgi-bin/department/list', ({ s, query }) => {
    if (!query.id) return { department: s.departments };
    const id = Number(query.id);
    if (!s.departments.some((d) => d.id === id)) throw new WxError(60123, 'invalid party id');
    const ids = subtree(s, id);
    return { department: s.departments.filter((d) => ids.has(d.id)) };
  });

  const membersOf = (s: CorpState, query: Record<string, string | undefined>) => {
    const id = Number(query.department_id);
    if (!s.departments.some((d) => d.id === id)) throw new WxError(60123, 'invalid party id');
    const ids = query.fetch_child === '1' ? subtree(s, id) : new Set([id]);
    return s.staff.filter((x) => x.department.some((d) => ids.has(d)));
  };
  const userView = (u: CorpState['staff'][number]) => ({ userid: u.userid, name: u.name, department: u.department, main_department: u.department[0], position: u.position, mobile: u.mobile, gender: u.gender, status: u.status, isleader: u.position === '店长' ? 1 : 0 });

  route(['GET'], '/cgi-bin/user/list', ({ s, query }) => ({ userlist: membersOf(s, query).map(userView) }));
  route(['GET'], '/cgi-bin/user/simplelist', ({ s, query }) => ({ userlist: membersOf(s, query).map((u) => ({ userid: u.userid, name: u.name, department: u.department })) }));
  route(['GET'], '/cgi-bin/user/get', ({ s, query }) => {
    const u = staffOf(s, query.userid);
    if (!u) throw new WxError(60111, 'userid not found');
    return userView(u);
  });

  // ---- customers (客户) ----

  route(['GET'], '/cgi-bin/externalcontact/get_follow_user_list', ({ s }) => ({ follow_user: s.staff.filter((x) => x.status === 1).map((x) => x.userid) }));
  route(['GET'], '/cgi-bin/externalcontact/list', ({ s, query }) => listOfStaff(s, query.userid));
  route(['GET'], '/cgi-bin/externalcontact/get', ({ s, query }) => ({ ...getContact(s, query.external_userid), next_cursor: '' }));
  route(['POST'], '/cgi-bin/externalcontact/batch/get_by_user', ({ s, body }) => batchByUser(s, body));
  route(['POST'], '/cgi-bin/externalcontact/remark', ({ s, body }) => remark(s, body));

  // ---- corp tags ----

  route(['POST'], '/cgi-bin/externalcontact/get_corp_tag_list', ({ s, body }) => listTags(s, body));
  route(['POST'], '/cgi-bin/externalcontact/add_corp_tag', ({ s, ctx, body }) => addTags(s, ctx, body));
  route(['POST'], '/cgi-bin/externalcontact/edit_corp_tag', ({ s, body }) => editTag(s, body));
  route(['POST'], '/cgi-bin/externalcontact/del_corp_tag', ({ s, body }) => deleteTags(s, body));
  route(['POST'], '/cgi-bin/externalcontact/mark_tag', ({ s, body }) => markTag(s, body));

  // ---- contact ways (联系我) and welcome messages ----

  const checkWay = (s: CorpState, b: Record<string, unknown>, way: Partial<ContactWay>) => {
    if (b.state !== undefined) {
      if (typeof b.state !== 'string' || [...b.state].length > MAX_STATE_LENGTH) throw new WxError(40058, `state must be at most ${MAX_STATE_LENGTH} characters`);
      way.state = b.state;
    }
    if (b.remark !== undefined) {
      if (typeof b.remark !== 'string' || [...b.remark].length > 30) throw new WxError(40058, 'remark must be at most 30 characters');
      way.remark = b.remark;
    }
    if (b.skip_verify !== undefined) way.skip_verify = b.skip_verify !== false;
    if (b.style !== undefined) way.style = Number(b.style);
    if (b.user !== undefined || b.party !== undefined) {
      const users = (b.user ?? []) as unknown[];
      const party = (b.party ?? []) as unknown[];
      if (!Array.isArray(users) || !Array.isArray(party)) throw new WxError(40058, 'user and party must be lists');
      for (const u of users) if (staffOf(s, u)?.status !== 1) throw new WxError(40003, `invalid userid ${String(u)}`);
      for (const p of party) if (!s.departments.some((d) => d.id === p)) throw new WxError(60123, `invalid party id ${String(p)}`);
      if (!users.length && !party.length) throw new WxError(40058, 'user or party required');
      if (way.type === 1 && (users.length !== 1 || party.length)) throw new WxError(40058, 'a single-member contact way takes exactly one user');
      way.user = users as string[];
      way.party = party as number[];
    }
  };

  route(['POST'], '/cgi-bin/externalcontact/add_contact_way', ({ s, body }) => {
    if (body.type !== 1 && body.type !== 2) throw new WxError(40058, 'type must be 1 or 2');
    if (body.scene !== 1 && body.scene !== 2) throw new WxError(40058, 'scene must be 1 or 2');
    if (body.user === undefined && body.party === undefined) throw new WxError(40058, 'user or party required');
    const way: ContactWay = { config_id: newConfigId(), type: body.type, scene: body.scene, remark: '', skip_verify: true, state: '', user: [], party: [], next: 0 };
    checkWay(s, body, way);
    // Scene 2 is a QR code: an image, as WeCom's is, encoding the sandbox page where a WeChat user scans it.
    if (way.scene === 2) way.qr_code = `${baseUrl()}/contact/${way.config_id}/qr.png`;
    s.contactWays.push(way);
    return { config_id: way.config_id, ...(way.qr_code ? { qr_code: way.qr_code } : {}) };
  });

  const wayOf = (s: CorpState, id: unknown) => {
    const w = s.contactWays.find((x) => x.config_id === id);
    if (!w) throw new WxError(41044, 'invalid config_id');
    return w;
  };
  const wayView = ({ next: _next, ...w }: ContactWay) => w;

  route(['POST'], '/cgi-bin/externalcontact/get_contact_way', ({ s, body }) => ({ contact_way: wayView(wayOf(s, str(body.config_id, 'config_id'))) }));
  route(['POST'], '/cgi-bin/externalcontact/list_contact_way', ({ s, body }) => {
    const start = Number(body.cursor || 0) || 0;
    const limit = Math.min(Number(body.limit ?? 100) || 100, 1000);
    const page = s.contactWays.slice(start, start + limit);
    return { contact_way: page.map((w) => ({ config_id: w.config_id })), next_cursor: start + page.length < s.contactWays.length ? String(start + page.length) : '' };
  });
  route(['POST'], '/cgi-bin/externalcontact/update_contact_way', ({ s, body }) => {
    checkWay(s, body, wayOf(s, str(body.config_id, 'config_id')));
    return {};
  });
  route(['POST'], '/cgi-bin/externalcontact/del_contact_way', ({ s, body }) => {
    const w = wayOf(s, str(body.config_id, 'config_id'));
    s.contactWays = s.contactWays.filter((x) => x !== w);
    return {};
  });
  route(['POST'], '/cgi-bin/externalcontact/send_welcome_msg', ({ s, ctx, body }) => sendWelcome(s, ctx, body));
}
