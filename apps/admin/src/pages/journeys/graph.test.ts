import { describe, expect, it } from 'vitest';
import { JourneyBody } from '@siyu/contracts';
import { ENTRY, OUT, autoLayout, canConnect, checkJourney, defaultNode, fromFlow, nextNodeId, pathOf, renameBranches, toFlow, walkOrder, serverIssues, hasLoopWithoutWait, PICK_ME, NODE_TYPES, type FlowEdge } from './graph';

const TPL = '11111111-1111-4111-8111-111111111111';
const COUPON = '22222222-2222-4222-8222-222222222222';

/** 加购未支付: wait 1h → paid? yes: exit / timeout: send → coupon. */
const body = (): JourneyBody =>
  JourneyBody.parse({
    name: '加购挽回',
    trigger: { kind: 'event', event: 'cart.item_added' },
    nodes: [
      { id: 'w', type: 'wait_event', event: 'order.paid', timeout: { amount: 1, unit: 'hours' } },
      { id: 's', type: 'send', channels: ['sms'], templateIds: { sms: TPL } },
      { id: 'c', type: 'coupon', couponTemplateId: COUPON },
      { id: 'x', type: 'exit' },
    ],
    edges: [
      { from: 'entry', to: 'w' },
      { from: 'w', to: 'x', branch: 'yes' },
      { from: 'w', to: 's', branch: 'timeout' },
      { from: 's', to: 'c' },
    ],
  });

describe('journey graph <-> body', () => {
  it('round-trips a body with positions', () => {
    const b = body();
    b.positions = { entry: { x: 0, y: 0 }, w: { x: 0, y: 150 }, s: { x: 140, y: 300 }, c: { x: 140, y: 450 }, x: { x: -140, y: 300 } };
    const { meta, nodes, edges } = toFlow(b);
    expect(nodes[0]).toMatchObject({ id: ENTRY, type: 'entry', data: { trigger: b.trigger } });
    expect(edges.find((e) => e.source === 'w' && e.target === 's')?.sourceHandle).toBe('timeout');
    expect(edges.find((e) => e.source === 's')?.sourceHandle).toBe(OUT);
    const back = fromFlow(meta, nodes, edges);
    expect(back).toEqual(b);
    expect(back.edges.find((e) => e.from === 's')).not.toHaveProperty('branch');
  });

  it('lays out a playbook draft without positions: every node placed, children below parents, no overlaps', () => {
    const { nodes } = toFlow(body());
    const at = Object.fromEntries(nodes.map((n) => [n.id, n.position]));
    expect(Object.keys(at).sort()).toEqual(['c', 'entry', 's', 'w', 'x']);
    expect(at.w!.y).toBeGreaterThan(at.entry!.y);
    expect(at.s!.y).toBeGreaterThan(at.w!.y);
    expect(at.c!.y).toBeGreaterThan(at.s!.y);
    // yes goes left of timeout (branch order)
    expect(at.x!.x).toBeLessThan(at.s!.x);
    const rows = new Map<number, number[]>();
    for (const p of Object.values(at)) rows.set(p.y, [...(rows.get(p.y) ?? []), p.x]);
    for (const xs of rows.values()) {
      xs.sort((a, b) => a - b);
      for (let i = 1; i < xs.length; i++) expect(xs[i]! - xs[i - 1]!).toBeGreaterThanOrEqual(240);
    }
  });

  it('lays out loops and unreachable nodes without hanging', () => {
    const pos = autoLayout(
      [defaultNode('wait', 'a'), defaultNode('condition', 'b'), defaultNode('exit', 'lost')],
      [{ from: 'entry', to: 'a' }, { from: 'a', to: 'b' }, { from: 'b', to: 'a', branch: 'no' }],
    );
    expect(pos.lost!.y).toBeGreaterThan(pos.b!.y);
    expect(pos.b!.y).toBeGreaterThan(pos.a!.y);
  });

  it('every default node has the shape of its type, and new ids are free', () => {
    for (const type of NODE_TYPES) expect(defaultNode(type, 'n1').type).toBe(type);
    expect(nextNodeId('send', ['send_1', 'send_3'])).toBe('send_2');
  });
});

describe('checks', () => {
  it('passes a good journey', () => {
    expect(checkJourney(body()).filter((i) => i.level === 'error')).toEqual([]);
  });

  it('puts contract issues on the node and field', () => {
    const b = body();
    b.nodes[2] = { id: 'c', type: 'coupon', couponTemplateId: '' };
    const issues = checkJourney(b);
    expect(issues).toContainEqual(expect.objectContaining({ code: 'schema', nodeId: 'c', path: ['couponTemplateId'] }));
  });

  it('finds graph errors: no entry edge, a handle used twice, splits not adding up, missing templates', () => {
    const b = body();
    b.edges = b.edges.filter((e) => e.from !== ENTRY);
    b.edges.push({ from: 'w', to: 'c', branch: 'yes' });
    b.nodes.push({ id: 'r', type: 'random_split', branches: [{ key: 'a', percent: 50 }, { key: 'b', percent: 30 }] });
    b.nodes[1] = { id: 's', type: 'send', channels: ['sms', 'oa_template'], templateIds: { sms: TPL }, vars: {} };
    const codes = checkJourney(b).map((i) => `${i.level}:${i.code}:${i.nodeId ?? ''}`);
    expect(codes).toContain('error:entryUnconnected:');
    expect(codes).toContain('error:handleTwice:w');
    expect(codes).toContain('error:splitSum:r');
    expect(codes).toContain('error:templateMissing:s');
    expect(codes).toContain('warning:unreachable:w');
    expect(codes).toContain('error:branchOpen:r');
  });

  it('allows connecting only free handles, never into the entry', () => {
    const { edges } = toFlow(body());
    expect(canConnect(edges, { source: 'w', target: 'c', sourceHandle: 'yes' })).toBe(false);
    expect(canConnect(edges, { source: 'c', target: 'x', sourceHandle: OUT })).toBe(true);
    expect(canConnect(edges, { source: 'c', target: ENTRY, sourceHandle: OUT })).toBe(false);
    expect(canConnect(edges, { source: 'c', target: 'c', sourceHandle: OUT })).toBe(false);
  });

  it('renames split edges with their keys and drops removed ones', () => {
    const edges: FlowEdge[] = [
      { id: '1', source: 'r', target: 'p', sourceHandle: 'a' },
      { id: '2', source: 'r', target: 'q', sourceHandle: 'b' },
      { id: '3', source: 'z', target: 'r', sourceHandle: OUT },
    ];
    const show = (es: FlowEdge[]) => es.map((e) => `${e.source}:${e.sourceHandle}:${e.target}`);
    expect(show(renameBranches(edges, 'r', ['a', 'b'], ['control', 'b']))).toEqual(['r:control:p', 'r:b:q', 'z:out:r']);
    expect(show(renameBranches(edges, 'r', ['a', 'b', 'c'], ['a', 'c']))).toEqual(['r:a:p', 'z:out:r']);
    expect(show(renameBranches(edges, 'r', ['a', 'b'], ['a', 'b', 'c']))).toEqual(['r:a:p', 'r:b:q', 'z:out:r']);
  });

  it('finds the path of a test run and the walking order', () => {
    const { edges } = toFlow(body());
    const p = pathOf([{ nodeId: 'w' }, { nodeId: 's' }, { nodeId: 'c' }], edges);
    expect([...p.nodes]).toEqual([ENTRY, 'w', 's', 'c']);
    expect(p.edges.size).toBe(3);
    expect(walkOrder(body()).map((n) => n.id)).toEqual(['w', 'x', 's', 'c']);
  });

  it('flags a condition the segment builder finds incomplete', () => {
    const b = body();
    b.nodes.push({ id: 'cond', type: 'condition', rule: { op: 'and', items: [{ type: 'spend' }] } });
    b.edges.push({ from: 'c', to: 'cond' });
    expect(checkJourney(b)).toContainEqual(expect.objectContaining({ code: 'ruleIncomplete', nodeId: 'cond' }));
  });
});

describe('messages', () => {
  it('reads nothing chosen as required, and an empty journey as "add a node"', () => {
    const b = body();
    b.nodes[2] = { id: 'c', type: 'coupon', couponTemplateId: '' };
    expect(checkJourney(b).find((i) => i.nodeId === 'c')?.message).toBe('required');
    const empty = { ...body(), nodes: [], edges: [] };
    expect(checkJourney(empty).map((i) => i.code)).toContain('noNodes');
  });
});

describe('server issues', () => {
  it('puts a 400 issue on its node and field', () => {
    const issues = serverIssues({ issues: [{ path: 'nodes.1.templateIds.sms', message: 'template not found' }, { path: ['trigger', 'groupId'], message: 'group not found' }] }, 'bad', body());
    expect(issues).toEqual([
      { level: 'error', code: 'schema', nodeId: 's', path: ['templateIds', 'sms'], message: 'template not found' },
      { level: 'error', code: 'schema', path: ['trigger', 'groupId'], message: 'group not found' },
    ]);
    expect(serverIssues({ field: 'nodes.2.couponTemplateId' }, 'coupon ended', body())[0]).toMatchObject({ nodeId: 'c', path: ['couponTemplateId'], message: 'coupon ended' });
  });
});

describe('server rules mirrored', () => {
  it('refuses a loop without a wait, allows one through a wait', () => {
    const nodes = [defaultNode('condition', 'c'), defaultNode('points', 'p'), defaultNode('wait', 'w')];
    expect(hasLoopWithoutWait(nodes, [{ from: 'c', to: 'p', branch: 'yes' }, { from: 'p', to: 'c' }])).toBe(true);
    expect(hasLoopWithoutWait(nodes, [{ from: 'c', to: 'p', branch: 'yes' }, { from: 'p', to: 'w' }, { from: 'w', to: 'c' }])).toBe(false);
  });

  it("marks a playbook's placeholders for picking (saving allowed, publishing not)", () => {
    const b = body();
    b.nodes[2] = { id: 'c', type: 'coupon', couponTemplateId: PICK_ME };
    const issues = checkJourney(b);
    expect(issues).toContainEqual(expect.objectContaining({ level: 'warning', code: 'placeholder', nodeId: 'c', path: ['couponTemplateId'] }));
    expect(issues.filter((i) => i.level === 'error')).toEqual([]);
  });
});
