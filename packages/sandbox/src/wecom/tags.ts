import type { Ctx } from './core.js';
import { WxError } from './errors.js';
import { newTagId, secs } from './ids.js';
import { customerOf, editRelation } from './records.js';
import { relationOf, staffOf, tagIndex, type CorpState, type Tag, type TagGroup } from './state.js';

/**
 * Corp customer tags (企业客户标签): groups of tags, each tag in exactly one group. A group exists only
 * while it has tags: deleting its last tag deletes it.
 */
const MAX_NAME = 30;

const ids = (v: unknown, field: string): string[] => {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new WxError(40058, `${field} must be a list of ids`);
  return v as string[];
};

const checkName = (name: unknown, field: string): string => {
  if (typeof name !== 'string' || !name.trim() || [...name].length > MAX_NAME) throw new WxError(40058, `${field} must be 1..${MAX_NAME} characters`);
  return name;
};

const order = (v: unknown) => (v === undefined ? 0 : Number.isInteger(v) ? (v as number) : -1);

export function listTags(s: CorpState, b: Record<string, unknown>) {
  const tagIds = ids(b.tag_id, 'tag_id');
  const groupIds = ids(b.group_id, 'group_id');
  // As WeCom: when tag_id is given, group_id is ignored.
  const groups: TagGroup[] = tagIds.length
    ? s.tagGroups.flatMap((g) => {
        const tag = g.tag.filter((t) => tagIds.includes(t.id));
        return tag.length ? [{ ...g, tag }] : [];
      })
    : groupIds.length
      ? s.tagGroups.filter((g) => groupIds.includes(g.group_id))
      : s.tagGroups;
  return { tag_group: groups };
}

export function addTags(s: CorpState, ctx: Ctx, b: Record<string, unknown>) {
  const tags = b.tag;
  if (!Array.isArray(tags) || tags.length === 0) throw new WxError(40058, 'tag must be a non-empty list');
  let group: TagGroup | undefined;
  if (b.group_id !== undefined) {
    group = s.tagGroups.find((g) => g.group_id === b.group_id);
    if (!group) throw new WxError(40068, 'invalid tag group id');
  } else {
    const name = checkName(b.group_name, 'group_name');
    group = s.tagGroups.find((g) => g.group_name === name);
    if (!group) {
      const o = order(b.order);
      if (o < 0) throw new WxError(40058, 'order must be an integer');
      group = { group_id: newTagId(), group_name: name, create_time: secs(ctx.now), order: o, tag: [] };
      s.tagGroups.push(group);
    }
  }
  const created: Tag[] = [];
  for (const [i, t] of tags.entries()) {
    const name = checkName((t as { name?: unknown })?.name, `tag[${i}].name`);
    if (group.tag.some((x) => x.name === name) || created.some((x) => x.name === name)) throw new WxError(40071, `tag name ${name} already exists`);
    const o = order((t as { order?: unknown }).order);
    if (o < 0) throw new WxError(40058, `tag[${i}].order must be an integer`);
    created.push({ id: newTagId(), name, create_time: secs(ctx.now), order: o });
  }
  group.tag.push(...created);
  return { tag_group: { group_id: group.group_id, group_name: group.group_name, create_time: group.create_time, order: group.order, tag: created } };
}

export function editTag(s: CorpState, b: Record<string, unknown>) {
  const group = s.tagGroups.find((g) => g.group_id === b.id);
  const tag = tagIndex(s).get(String(b.id));
  if (!group && !tag) throw new WxError(40068, 'invalid tag id');
  if (b.name !== undefined) {
    const name = checkName(b.name, 'name');
    if (group) {
      if (s.tagGroups.some((g) => g !== group && g.group_name === name)) throw new WxError(40071, 'group name already exists');
      group.group_name = name;
    } else {
      if (tag!.group.tag.some((t) => t !== tag!.tag && t.name === name)) throw new WxError(40071, 'tag name already exists');
      tag!.tag.name = name;
    }
  }
  if (b.order !== undefined) {
    const o = order(b.order);
    if (o < 0) throw new WxError(40058, 'order must be an integer');
    if (group) group.order = o;
    else tag!.tag.order = o;
  }
  return {};
}

export function deleteTags(s: CorpState, b: Record<string, unknown>) {
  const tagIds = ids(b.tag_id, 'tag_id');
  const groupIds = ids(b.group_id, 'group_id');
  if (!tagIds.length && !groupIds.length) throw new WxError(40058, 'tag_id or group_id required');
  const known = tagIndex(s);
  for (const id of tagIds) if (!known.has(id)) throw new WxError(40068, `invalid tag id ${id}`);
  for (const id of groupIds) if (!s.tagGroups.some((g) => g.group_id === id)) throw new WxError(40068, `invalid group id ${id}`);
  const gone = new Set(tagIds);
  for (const g of s.tagGroups) if (groupIds.includes(g.group_id)) for (const t of g.tag) gone.add(t.id);
  s.tagGroups = s.tagGroups.map((g) => ({ ...g, tag: g.tag.filter((t) => !gone.has(t.id)) })).filter((g) => g.tag.length > 0);
  for (const r of s.relations) {
    if (!r.tags.some((t) => gone.has(t))) continue;
    editRelation(s, r);
    r.tags = r.tags.filter((t) => !gone.has(t));
  }
  return {};
}

export function markTag(s: CorpState, b: Record<string, unknown>) {
  if (!staffOf(s, b.userid)) throw new WxError(40003, 'invalid userid');
  if (!customerOf(s, b.external_userid)) throw new WxError(40096, 'invalid external userid');
  const rel = relationOf(s, b.userid, b.external_userid);
  if (!rel) throw new WxError(84061, 'not external contact');
  const add = ids(b.add_tag, 'add_tag');
  const remove = ids(b.remove_tag, 'remove_tag');
  if (!add.length && !remove.length) throw new WxError(40058, 'add_tag or remove_tag required');
  const known = tagIndex(s);
  for (const id of [...add, ...remove]) if (!known.has(id)) throw new WxError(40068, `invalid tag id ${id}`);
  editRelation(s, rel);
  rel.tags = [...new Set([...rel.tags.filter((t) => !remove.includes(t)), ...add.filter((t) => !remove.includes(t))])];
  return {};
}
