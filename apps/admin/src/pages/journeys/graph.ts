import type { Edge, Node } from '@xyflow/react';
import { JourneyBody, type JourneyEdge, type JourneyNode, type JourneyNodeStats, type JourneyNodeType, type JourneyTrigger } from '@siyu/contracts';
import { fromRule, ruleIssues } from '../customers/segment-rule';

/**
 * The journey canvas as pure data: a JourneyBody ⇄ React Flow nodes and edges, auto-layout for drafts
 * without positions, and the checks run before saving / publishing. No React and no i18n here, so the
 * conversion is unit tested (graph.test.ts); the UI turns issue codes into text.
 */

/**
 * The placeholder id a playbook puts where the merchant must pick a template, coupon, tag or group (the
 * server's PICK_ME): a draft may keep it, publishing refuses it.
 */
export const PICK_ME = '00000000-0000-4000-8000-000000000000';

/** The id of the entry node (the trigger) on the canvas and in `edges[].from`. */
export const ENTRY = 'entry';
/** The handle of a node with one way out (its edges carry no `branch`). */
export const OUT = 'out';

/** Everything in a journey except the graph. */
export type JourneyMeta = Omit<JourneyBody, 'nodes' | 'edges' | 'positions'>;

export type StepNodeData = { node: JourneyNode };
export type EntryNodeData = { trigger: JourneyTrigger };
export type StepFlowNode = Node<StepNodeData, 'step'>;
export type EntryFlowNode = Node<EntryNodeData, 'entry'>;
export type FlowNode = StepFlowNode | EntryFlowNode;
export type FlowEdge = Edge;

export const NODE_TYPES: readonly JourneyNodeType[] = ['wait', 'wait_until_time', 'wait_until_date', 'wait_event', 'condition', 'random_split', 'send', 'coupon', 'points', 'tag', 'webhook', 'exit'];
/** Palette groups: timing, logic, actions. */
export const NODE_GROUPS: { key: 'timing' | 'logic' | 'action'; types: JourneyNodeType[] }[] = [
  { key: 'timing', types: ['wait', 'wait_until_time', 'wait_until_date', 'wait_event'] },
  { key: 'logic', types: ['condition', 'random_split', 'exit'] },
  { key: 'action', types: ['send', 'coupon', 'points', 'tag', 'webhook'] },
];

/** The ways out of a node: named branches for the branching ones, one unnamed way for the rest, none for exit. */
export function branchesOf(node: JourneyNode): string[] {
  switch (node.type) {
    case 'wait_event':
      return ['yes', 'timeout'];
    case 'condition':
      return ['yes', 'no'];
    case 'random_split':
      return node.branches.map((b) => b.key);
    case 'exit':
      return [];
    default:
      return [OUT];
  }
}
export const isBranching = (node: JourneyNode) => ['wait_event', 'condition', 'random_split'].includes(node.type);

export const edgeId = (e: { from: string; to: string; branch?: string }) => `e:${e.from}:${e.branch ?? OUT}:${e.to}`;

export function toFlowEdge(e: JourneyEdge): FlowEdge {
  return { id: edgeId(e), source: e.from, target: e.to, sourceHandle: e.branch ?? OUT, targetHandle: 'in' };
}

/** A JourneyBody → the canvas. Drafts without (complete) positions are laid out. */
export function toFlow(body: JourneyBody): { meta: JourneyMeta; nodes: FlowNode[]; edges: FlowEdge[] } {
  const { nodes: jn, edges: je, positions: given, ...meta } = body;
  const complete = !!given && [ENTRY, ...jn.map((n) => n.id)].every((id) => given[id]);
  const positions = complete ? given : autoLayout(jn, je);
  const nodes: FlowNode[] = [
    { id: ENTRY, type: 'entry', position: positions[ENTRY] ?? { x: 0, y: 0 }, data: { trigger: body.trigger }, deletable: false },
    ...jn.map((n): StepFlowNode => ({ id: n.id, type: 'step', position: positions[n.id] ?? { x: 0, y: 0 }, data: { node: n } })),
  ];
  return { meta, nodes, edges: je.map(toFlowEdge) };
}

/** The canvas → a JourneyBody (not yet parsed: run checkJourney / the contract on it). */
export function fromFlow(meta: JourneyMeta, nodes: FlowNode[], edges: FlowEdge[]): JourneyBody {
  const steps = nodes.filter((n): n is StepFlowNode => n.type === 'step');
  const positions: JourneyBody['positions'] = {};
  for (const n of nodes) positions[n.id] = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
  return {
    ...meta,
    nodes: steps.map((n) => ({ ...n.data.node, id: n.id }) as JourneyNode),
    edges: edges.map((e) => ({ from: e.source, to: e.target, ...(e.sourceHandle && e.sourceHandle !== OUT ? { branch: e.sourceHandle } : {}) })),
    positions,
  };
}

export const NODE_W = 240;
const COL_GAP = 280;
const ROW_GAP = 150;

/**
 * Top-down layers: each node one row below its deepest parent (back edges of loops ignored), placed
 * under its parent and spread by branch, overlaps pushed apart; unreachable nodes in a last row.
 */
export function autoLayout(nodes: JourneyNode[], edges: JourneyEdge[]): Record<string, { x: number; y: number }> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const branchIndex = (e: JourneyEdge) => {
    const src = byId.get(e.from);
    return src ? Math.max(0, branchesOf(src).indexOf(e.branch ?? OUT)) : 0;
  };
  const out = new Map<string, JourneyEdge[]>();
  for (const e of edges) {
    if (e.from !== ENTRY && !byId.has(e.from)) continue;
    if (!byId.has(e.to)) continue;
    out.set(e.from, [...(out.get(e.from) ?? []), e]);
  }
  for (const list of out.values()) list.sort((a, b) => branchIndex(a) - branchIndex(b));

  // DFS from the entry: preorder for ordering, back edges (to a node on the stack) dropped.
  const order: string[] = [];
  const state = new Map<string, 1 | 2>();
  const forward: JourneyEdge[] = [];
  const visit = (id: string) => {
    state.set(id, 1);
    order.push(id);
    for (const e of out.get(id) ?? []) {
      const s = state.get(e.to);
      if (s === 1) continue;
      forward.push(e);
      if (!s) visit(e.to);
    }
    state.set(id, 2);
  };
  visit(ENTRY);

  // Longest path over forward edges (a DAG): relax in topological order.
  const depth = new Map<string, number>([[ENTRY, 0]]);
  const indeg = new Map<string, number>();
  for (const e of forward) indeg.set(e.to, (indeg.get(e.to) ?? 0) + 1);
  const queue = [ENTRY];
  const fwdOut = new Map<string, JourneyEdge[]>();
  for (const e of forward) fwdOut.set(e.from, [...(fwdOut.get(e.from) ?? []), e]);
  while (queue.length) {
    const id = queue.shift()!;
    for (const e of fwdOut.get(id) ?? []) {
      depth.set(e.to, Math.max(depth.get(e.to) ?? 0, (depth.get(id) ?? 0) + 1));
      indeg.set(e.to, indeg.get(e.to)! - 1);
      if (indeg.get(e.to) === 0) queue.push(e.to);
    }
  }
  const maxDepth = Math.max(0, ...depth.values());
  const unreachable = nodes.filter((n) => !depth.has(n.id));
  for (const n of unreachable) depth.set(n.id, maxDepth + 1);

  const rows = new Map<number, string[]>();
  const rank = new Map(order.map((id, i) => [id, i]));
  for (const [id, d] of depth) rows.set(d, [...(rows.get(d) ?? []), id]);
  const pos: Record<string, { x: number; y: number }> = {};
  const parents = new Map<string, JourneyEdge[]>();
  for (const e of forward) parents.set(e.to, [...(parents.get(e.to) ?? []), e]);

  for (const d of [...rows.keys()].sort((a, b) => a - b)) {
    const ids = rows.get(d)!.sort((a, b) => (rank.get(a) ?? 1e9) - (rank.get(b) ?? 1e9));
    const wanted = ids.map((id, i) => {
      const ps = (parents.get(id) ?? []).filter((e) => pos[e.from]);
      if (!ps.length) return (i - (ids.length - 1) / 2) * COL_GAP;
      const xs = ps.map((e) => {
        const src = byId.get(e.from);
        const n = src ? branchesOf(src).length : 1;
        return pos[e.from]!.x + (n > 1 ? (branchIndex(e) - (n - 1) / 2) * COL_GAP : 0);
      });
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    });
    const items = ids.map((id, i) => ({ id, want: wanted[i]!, x: wanted[i]! })).sort((a, b) => a.want - b.want);
    for (let i = 1; i < items.length; i++) items[i]!.x = Math.max(items[i]!.x, items[i - 1]!.x + COL_GAP);
    const shift = items.reduce((s, it) => s + (it.want - it.x), 0) / (items.length || 1);
    for (const it of items) pos[it.id] = { x: Math.round(it.x + shift), y: d * ROW_GAP };
  }
  return pos;
}

/** A new node of a type with sensible values (those needing a choice — template, coupon, tags — left empty for the form to ask). */
export function defaultNode(type: JourneyNodeType, id: string): JourneyNode {
  switch (type) {
    case 'wait':
      return { id, type, duration: { amount: 1, unit: 'days' } };
    case 'wait_until_time':
      return { id, type, hour: 10, minute: 0 };
    case 'wait_until_date':
      return { id, type, property: 'birthday', offsetDays: -3, hour: 10 };
    case 'wait_event':
      return { id, type, event: 'order.paid', timeout: { amount: 2, unit: 'days' } };
    case 'condition':
      return { id, type, rule: { op: 'and', items: [{ type: 'orders', min: 1 }] } };
    case 'random_split':
      return { id, type, branches: [{ key: 'a', percent: 50 }, { key: 'b', percent: 50 }] };
    case 'send':
      return { id, type, channels: ['mini_subscribe', 'oa_template'], templateIds: {}, vars: {} };
    case 'coupon':
      return { id, type, couponTemplateId: '' };
    case 'points':
      return { id, type, points: 100 };
    case 'tag':
      return { id, type, action: 'add', tagIds: [] };
    case 'webhook':
      return { id, type, url: 'https://' };
    case 'exit':
      return { id, type };
  }
}

/** `send_2`: the type and the first free number. */
export function nextNodeId(type: JourneyNodeType, taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let i = 1; ; i++) if (!used.has(`${type}_${i}`)) return `${type}_${i}`;
}

/** A new edge is allowed from a free handle, to another step node (never to the entry or itself). */
export function canConnect(edges: FlowEdge[], c: { source: string | null; target: string | null; sourceHandle?: string | null }): boolean {
  if (!c.source || !c.target || c.target === ENTRY || c.source === c.target) return false;
  const handle = c.sourceHandle ?? OUT;
  return !edges.some((e) => e.source === c.source && (e.sourceHandle ?? OUT) === handle);
}

/**
 * After a split's keys change its edges follow: a rename (same number of branches) moves the edge at
 * index i to the new key i; an added or removed branch keeps the edges of keys still there and drops the rest.
 */
export function renameBranches(edges: FlowEdge[], nodeId: string, oldKeys: string[], newKeys: string[]): FlowEdge[] {
  const sameCount = oldKeys.length === newKeys.length;
  const out: FlowEdge[] = [];
  for (const e of edges) {
    if (e.source !== nodeId) {
      out.push(e);
      continue;
    }
    const handle = e.sourceHandle ?? OUT;
    const key = sameCount ? newKeys[oldKeys.indexOf(handle)] : newKeys.includes(handle) ? handle : undefined;
    if (!key || out.some((x) => x.source === nodeId && x.sourceHandle === key)) continue;
    out.push(key === handle ? e : { ...e, sourceHandle: key, id: edgeId({ from: e.source, to: e.target, branch: key }) });
  }
  return out;
}

export type IssueCode =
  | 'schema'
  | 'noNodes'
  | 'duplicateId'
  | 'entryUnconnected'
  | 'entryTwice'
  | 'edgeUnknownNode'
  | 'edgeBadBranch'
  | 'handleTwice'
  | 'unreachable'
  | 'splitSum'
  | 'splitKeyTwice'
  | 'templateMissing'
  | 'placeholder'
  | 'cycleNoWait'
  | 'ruleIncomplete'
  | 'branchOpen'
  | 'cycle';

export interface GraphIssue {
  level: 'error' | 'warning';
  code: IssueCode;
  /** The node it is about (none: the journey settings or the graph). */
  nodeId?: string;
  /** Settings issues: the field path in the body (`trigger.groupId`); node issues: the path inside the node. */
  path: (string | number)[];
  /** The contract's message for `schema` issues. */
  message?: string;
  vars?: Record<string, string | number>;
}

/** The contract's issues plus what only a graph can get wrong. Errors block saving; warnings do not. */
export function checkJourney(body: JourneyBody): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const parsed = JourneyBody.safeParse(body);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const p = i.path.map((x) => (typeof x === 'symbol' ? String(x) : x)) as (string | number)[];
      // Nothing chosen yet ('' or []) reads as "required", not as the format the value would need.
      const value = p.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string | number, unknown>)[k] : undefined), body);
      const message = value === '' || (Array.isArray(value) && !value.length) ? 'required' : i.message;
      if (p.length === 1 && p[0] === 'nodes' && !body.nodes.length) issues.push({ level: 'error', code: 'noNodes', path: [] });
      else if (p[0] === 'nodes' && typeof p[1] === 'number') issues.push({ level: 'error', code: 'schema', nodeId: body.nodes[p[1]]?.id, path: p.slice(2), message });
      else issues.push({ level: 'error', code: 'schema', path: p, message });
    }
  }
  const byId = new Map<string, JourneyNode>();
  for (const n of body.nodes) {
    if (byId.has(n.id)) issues.push({ level: 'error', code: 'duplicateId', nodeId: n.id, path: [] });
    byId.set(n.id, n);
  }

  const used = new Set<string>();
  const out = new Map<string, string[]>();
  for (const e of body.edges) {
    const src = e.from === ENTRY ? null : byId.get(e.from);
    if ((e.from !== ENTRY && !src) || !byId.has(e.to)) {
      issues.push({ level: 'error', code: 'edgeUnknownNode', path: [], vars: { from: e.from, to: e.to } });
      continue;
    }
    const allowed = src ? branchesOf(src) : [OUT];
    const handle = e.branch ?? OUT;
    if (!allowed.includes(handle)) issues.push({ level: 'error', code: 'edgeBadBranch', nodeId: e.from === ENTRY ? undefined : e.from, path: [], vars: { branch: handle } });
    const key = `${e.from}\u0000${handle}`;
    if (used.has(key)) issues.push({ level: 'error', code: e.from === ENTRY ? 'entryTwice' : 'handleTwice', nodeId: e.from === ENTRY ? undefined : e.from, path: [], vars: { branch: handle } });
    used.add(key);
    out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  }
  if (!out.get(ENTRY)?.length) issues.push({ level: 'error', code: 'entryUnconnected', path: [] });

  for (const n of body.nodes) {
    if (n.type === 'random_split') {
      const sum = n.branches.reduce((s, b) => s + (Number(b.percent) || 0), 0);
      if (sum !== 100) issues.push({ level: 'error', code: 'splitSum', nodeId: n.id, path: ['branches'], vars: { sum } });
      const keys = n.branches.map((b) => b.key);
      keys.forEach((k, i) => {
        if (keys.indexOf(k) !== i) issues.push({ level: 'error', code: 'splitKeyTwice', nodeId: n.id, path: ['branches', i, 'key'], vars: { key: k } });
      });
    }
    // The segment builder's own checks (a spend without bounds, a tag condition without tags …), which the contract lets through.
    if (n.type === 'condition' && n.rule && Array.isArray(n.rule.items) && ruleIssues(fromRule(n.rule)).length) issues.push({ level: 'error', code: 'ruleIncomplete', nodeId: n.id, path: [] });
    if (n.type === 'send') {
      for (const ch of n.channels) if (!n.templateIds?.[ch]) issues.push({ level: 'error', code: 'templateMissing', nodeId: n.id, path: ['templateIds', ch], vars: { channel: ch } });
    }
    // Every branch of a branching node must lead somewhere (the server refuses a branch leading nowhere).
    if (isBranching(n)) for (const b of branchesOf(n)) if (!used.has(`${n.id}\u0000${b}`)) issues.push({ level: 'error', code: 'branchOpen', nodeId: n.id, path: [], vars: { branch: b } });
    for (const path of placeholders(n)) issues.push({ level: 'warning', code: 'placeholder', nodeId: n.id, path });
  }

  // Reachability and loops, walking from the entry.
  const seen = new Set<string>();
  const onStack = new Set<string>();
  let cycle = false;
  const walk = (id: string) => {
    seen.add(id);
    onStack.add(id);
    for (const to of out.get(id) ?? []) {
      if (onStack.has(to)) cycle = true;
      else if (!seen.has(to)) walk(to);
    }
    onStack.delete(id);
  };
  walk(ENTRY);
  if (hasLoopWithoutWait(body.nodes, body.edges)) issues.push({ level: 'error', code: 'cycleNoWait', path: [] });
  else if (cycle) issues.push({ level: 'warning', code: 'cycle', path: [] });
  if ((body.trigger.kind === 'segment_entered' || body.trigger.kind === 'schedule') && body.trigger.groupId === PICK_ME) issues.push({ level: 'warning', code: 'placeholder', path: ['trigger', 'groupId'] });
  for (const n of body.nodes) if (!seen.has(n.id)) issues.push({ level: 'warning', code: 'unreachable', nodeId: n.id, path: [] });
  return issues;
}

/**
 * The server's refusal of a body (400 with `details.issues` / `details.field`, dotted or array paths)
 * as graph issues, so they land on the node and field like the console's own checks.
 */
export function serverIssues(details: { field?: unknown; issues?: unknown } | undefined, message: string, body: JourneyBody): GraphIssue[] {
  const raw: { path: (string | number)[]; message: string }[] = [];
  const split = (p: unknown): (string | number)[] => (Array.isArray(p) ? p : typeof p === 'string' ? p.split('.').filter(Boolean) : []).map((x) => (typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : x));
  if (Array.isArray(details?.issues)) for (const i of details.issues as { path?: unknown; field?: unknown; message?: string }[]) raw.push({ path: split(i.field ?? i.path), message: i.message ?? message });
  if (typeof details?.field === 'string' && !raw.length) raw.push({ path: split(details.field), message });
  return raw.map((r) => {
    const p = r.path;
    if (p[0] === 'nodes' && typeof p[1] === 'number') return { level: 'error', code: 'schema', nodeId: body.nodes[p[1]]?.id, path: p.slice(2), message: r.message };
    return { level: 'error', code: 'schema', path: p, message: r.message };
  });
}

/** Fields of a node still holding the playbook's placeholder (paths inside the node). */
export function placeholders(n: JourneyNode): (string | number)[][] {
  switch (n.type) {
    case 'send':
      return n.channels.filter((c) => n.templateIds?.[c] === PICK_ME).map((c) => ['templateIds', c]);
    case 'coupon':
      return n.couponTemplateId === PICK_ME ? [['couponTemplateId']] : [];
    case 'tag':
      return n.tagIds.includes(PICK_ME) ? [['tagIds']] : [];
    default:
      return [];
  }
}

/** Nodes that always let time pass: a loop through one cannot spin (the server's rule). */
const PAUSING = new Set<JourneyNodeType>(['wait', 'wait_until_time', 'wait_event']);

/** A loop among nodes none of which pauses, which would run forever in one go. */
export function hasLoopWithoutWait(nodes: JourneyNode[], edges: JourneyEdge[]): boolean {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const from = byId.get(e.from);
    const to = byId.get(e.to);
    if (from && to && !PAUSING.has(from.type) && !PAUSING.has(to.type)) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  }
  const state = new Map<string, 1 | 2>();
  const visit = (id: string): boolean => {
    state.set(id, 1);
    for (const to of next.get(id) ?? []) {
      if (state.get(to) === 1) return true;
      if (!state.has(to) && visit(to)) return true;
    }
    state.set(id, 2);
    return false;
  };
  return [...next.keys()].some((id) => !state.has(id) && visit(id));
}

/** The nodes and edges a test run went through, for highlighting. */
export function pathOf(steps: { nodeId: string }[], edges: FlowEdge[]): { nodes: Set<string>; edges: Set<string> } {
  const ids = [ENTRY, ...steps.map((s) => s.nodeId).filter((id) => id !== ENTRY)];
  const nodes = new Set(ids);
  const hit = new Set<string>();
  for (let i = 1; i < ids.length; i++) {
    const e = edges.find((x) => x.source === ids[i - 1] && x.target === ids[i]);
    if (e) hit.add(e.id);
  }
  return { nodes, edges: hit };
}

/** The nodes in walking order from the entry (branches in their order), then any unreachable ones. */
export function walkOrder(body: Pick<JourneyBody, 'nodes' | 'edges'>): JourneyNode[] {
  const byId = new Map(body.nodes.map((n) => [n.id, n]));
  const rank = (e: JourneyEdge) => {
    const src = byId.get(e.from);
    return src ? branchesOf(src).indexOf(e.branch ?? OUT) : 0;
  };
  const seen = new Set<string>([ENTRY]);
  const out: JourneyNode[] = [];
  const queue = [ENTRY];
  while (queue.length) {
    const id = queue.shift()!;
    for (const e of body.edges.filter((x) => x.from === id).sort((a, b) => rank(a) - rank(b))) {
      if (seen.has(e.to) || !byId.has(e.to)) continue;
      seen.add(e.to);
      out.push(byId.get(e.to)!);
      queue.push(e.to);
    }
  }
  for (const n of body.nodes) if (!seen.has(n.id)) out.push(n);
  return out;
}

/** Per-node counts as the canvas badges show them (missing = nothing counted yet). */
export type NodeStatsMap = Record<string, JourneyNodeStats>;
