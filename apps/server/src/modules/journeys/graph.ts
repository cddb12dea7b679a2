import { createHash } from 'node:crypto';
import type { JourneyBody, JourneyEdge, JourneyNode, PropertyFilter } from '@siyu/contracts';
import { badRequest } from '../../platform/errors.js';

/** The ways out of a node: the branches a branching node must have, or [undefined] for one plain way. */
export function branchesOf(node: JourneyNode): string[] | null {
  if (node.type === 'condition') return ['yes', 'no'];
  if (node.type === 'wait_event') return ['yes', 'timeout'];
  if (node.type === 'random_split') return node.branches.map((b) => b.key);
  return null;
}

/** Nodes that always let time pass, so a cycle through one cannot spin. */
const PAUSING = new Set<JourneyNode['type']>(['wait', 'wait_until_time', 'wait_event']);

const fail = (field: string, message: string) => badRequest('VALIDATION_FAILED', message, { field });

/**
 * The graph rules beyond the schema: unique node ids, edges between existing nodes, exactly one edge from
 * `entry`, every branch of a branching node present once (and no other), one way out of a plain node, none
 * out of `exit`, split percentages adding to 100, a template for every channel of a send, and no cycle
 * that does not pass a wait.
 */
export function validateGraph(body: JourneyBody) {
  const byId = new Map<string, { node: JourneyNode; index: number }>();
  body.nodes.forEach((node, index) => {
    if (node.id === 'entry') throw fail(`nodes.${index}.id`, '“entry” names the start and cannot be a node id');
    if (byId.has(node.id)) throw fail(`nodes.${index}.id`, `Two nodes are called ${node.id}`);
    byId.set(node.id, { node, index });
  });
  const out = new Map<string, { edge: JourneyEdge; index: number }[]>();
  body.edges.forEach((edge, index) => {
    if (edge.from !== 'entry' && !byId.has(edge.from)) throw fail(`edges.${index}.from`, `No node ${edge.from}`);
    if (!byId.has(edge.to)) throw fail(`edges.${index}.to`, `No node ${edge.to}`);
    const list = out.get(edge.from) ?? [];
    list.push({ edge, index });
    out.set(edge.from, list);
  });
  const fromEntry = out.get('entry') ?? [];
  if (fromEntry.length !== 1) throw fail('edges', fromEntry.length ? 'Only one edge may leave the entry' : 'Connect the entry to the first node');
  if (fromEntry[0]!.edge.branch) throw fail(`edges.${fromEntry[0]!.index}.branch`, 'The edge from the entry has no branch');

  for (const { node, index } of byId.values()) {
    const edges = out.get(node.id) ?? [];
    const branches = branchesOf(node);
    if (node.type === 'random_split') {
      const keys = new Set(node.branches.map((b) => b.key));
      if (keys.size !== node.branches.length) throw fail(`nodes.${index}.branches`, 'Branch keys must differ');
      if (node.branches.reduce((s, b) => s + b.percent, 0) !== 100) throw fail(`nodes.${index}.branches`, 'Percentages must add up to 100');
    }
    if (node.type === 'send') {
      for (const c of node.channels) if (!node.templateIds[c]) throw fail(`nodes.${index}.templateIds.${c}`, `A template for ${c} is required`);
    }
    if (node.type === 'exit') {
      if (edges.length) throw fail(`edges.${edges[0]!.index}.from`, 'Nothing follows an exit');
      continue;
    }
    if (branches) {
      for (const { edge, index: ei } of edges) {
        if (!edge.branch || !branches.includes(edge.branch)) throw fail(`edges.${ei}.branch`, `A ${node.type} node leaves by ${branches.join(' / ')}`);
      }
      for (const b of branches) {
        const n = edges.filter((e) => e.edge.branch === b).length;
        if (n === 0) throw fail(`nodes.${index}`, `Branch “${b}” of ${node.id} leads nowhere`);
        if (n > 1) throw fail(`edges.${edges.filter((e) => e.edge.branch === b)[1]!.index}.branch`, `Branch “${b}” of ${node.id} has two edges`);
      }
    } else {
      if (edges.length > 1) throw fail(`edges.${edges[1]!.index}.from`, `Only one edge may leave ${node.id}`);
      if (edges[0]?.edge.branch) throw fail(`edges.${edges[0].index}.branch`, `${node.id} does not branch`);
    }
  }

  // A cycle among nodes that do not pause would run forever in one go.
  const state = new Map<string, 1 | 2>();
  const visit = (id: string, path: string[]): void => {
    state.set(id, 1);
    for (const { edge, index } of out.get(id) ?? []) {
      if (PAUSING.has(byId.get(edge.to)!.node.type)) continue;
      const s = state.get(edge.to);
      if (s === 1) throw fail(`edges.${index}.to`, `The loop ${[...path, edge.to].join(' → ')} has no wait`);
      if (s === undefined) visit(edge.to, [...path, edge.to]);
    }
    state.set(id, 2);
  };
  for (const id of byId.keys()) if (!state.has(id) && !PAUSING.has(byId.get(id)!.node.type)) visit(id, [id]);

  if (body.trigger.kind !== 'segment_entered' && body.exitOnSegmentLeft) throw fail('exitOnSegmentLeft', 'Only a segment trigger can leave on leaving the segment');
}

/** The node an edge from `from` (by `branch`) leads to; null when none (the instance is done). */
export function nextNode(body: JourneyBody, from: string, branch?: string): string | null {
  const e = body.edges.find((x) => x.from === from && (branch === undefined ? true : x.branch === branch));
  return e?.to ?? null;
}

/** A number in [0, 100) fixed by the text: the same instance or customer always lands in the same place. */
export function bucket(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) % 10_000 / 100;
}

export const inHoldout = (journeyId: string, customerId: string, percent: number) => percent > 0 && bucket(`holdout:${journeyId}:${customerId}`) < percent;

export function splitBranch(node: Extract<JourneyNode, { type: 'random_split' }>, instanceId: string): string {
  const x = bucket(`split:${instanceId}:${node.id}`);
  let acc = 0;
  for (const b of node.branches) {
    acc += b.percent;
    if (x < acc) return b.key;
  }
  return node.branches[node.branches.length - 1]!.key;
}

/** A payload value by dotted path; arrays on the way give every element's value. */
function valuesAt(payload: unknown, path: string): unknown[] {
  let cur: unknown[] = [payload];
  for (const part of path.split('.')) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (Array.isArray(v)) for (const x of v) next.push((x as Record<string, unknown> | null)?.[part]);
      else if (v && typeof v === 'object') next.push((v as Record<string, unknown>)[part]);
    }
    cur = next.flatMap((v) => (Array.isArray(v) ? v : [v]));
  }
  return cur.filter((v) => v !== undefined && v !== null);
}

/** Whether an event's payload passes a trigger's property filters (all must hold; an array matches by any element). */
export function payloadMatches(payload: Record<string, unknown>, where: PropertyFilter[]): boolean {
  return where.every((f) => {
    const vals = valuesAt(payload, f.property);
    if (f.op === 'set') return vals.length > 0;
    if (f.op === 'not_set') return vals.length === 0;
    if (f.op === 'neq') return vals.every((v) => String(v) !== String(f.value));
    return vals.some((v) => {
      if (f.op === 'eq') return String(v) === String(f.value);
      if (f.op === 'contains') return String(v).includes(String(f.value));
      const a = Number(v);
      const b = Number(f.value);
      if (Number.isNaN(a) || Number.isNaN(b)) return false;
      return f.op === 'gt' ? a > b : a < b;
    });
  });
}
