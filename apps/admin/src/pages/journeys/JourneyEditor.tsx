import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import {
  Background,
  Controls,
  MarkerType,
  Panel,
  ReactFlow,
  ReactFlowProvider,
  addEdge,
  useEdgesState,
  useNodesState,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { Alert, Button, Input, Popconfirm, Select, Skeleton, Space, Tabs, Tooltip } from 'antd';
import {
  ApartmentOutlined,
  BugOutlined,
  CloseCircleOutlined,
  PauseCircleOutlined,
  PlayCircleOutlined,
  RocketOutlined,
  SaveOutlined,
  StopOutlined,
} from '@ant-design/icons';
import { JourneyBody, type JourneyNode, type JourneyNodeType } from '@siyu/contracts';
import { api, ApiError } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { feedback, showError } from '../../lib/feedback';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { LoadError } from '../../components/Results';
import { CanvasContext, FLOW_NODE_TYPES, type CanvasOverlay } from './FlowNodes';
import { NODE_ICONS, nodeKind } from './icons';
import {
  ENTRY,
  NODE_GROUPS,
  OUT,
  autoLayout,
  branchesOf,
  canConnect,
  checkJourney,
  defaultNode,
  edgeId,
  fromFlow,
  nextNodeId,
  pathOf,
  renameBranches,
  serverIssues,
  toFlow,
  type FlowEdge,
  type FlowNode,
  type GraphIssue,
  type JourneyMeta,
  type StepFlowNode,
} from './graph';
import Inspector, { issueText } from './Inspector';
import { JourneyStatusTag, nodeTypeText } from './labels';
import { useLookups } from './lookups';
import ResultPanel from './ResultPanel';
import SettingsPanel, { defaultTrigger } from './SettingsPanel';
import TestRunModal from './TestRunModal';
import { journeyAction } from './actions';
import { mergeJourney, stats as readStats } from './normalize';
import { JOURNEY_WRITE, type Journey, type TestRunStep } from './types';
import './journeys.css';

const POLL_MS = 5000;
const DND_TYPE = 'application/x-siyu-journey-node';

const blankBody = (name: string): JourneyBody => ({
  name,
  trigger: defaultTrigger('event'),
  nodes: [],
  edges: [],
  positions: { [ENTRY]: { x: 0, y: 0 } },
  goal: { event: 'order.paid', withinDays: 7 },
  exitOnSegmentLeft: false,
  reentry: { kind: 'after_exit' },
  holdoutPercent: 10,
});

const EDGE_DEFAULTS = { type: 'smoothstep', markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 } } as const;

/** 画布: palette, React Flow canvas, inspector; save, publish, live counts, test runs and the result tab. */
function Editor() {
  const { id } = useParams();
  const isNew = !id || id === 'new';
  const navigate = useNavigate();
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const canWrite = can(JOURNEY_WRITE);
  const flow = useReactFlow<FlowNode, FlowEdge>();
  const [selected, setSelected] = useState<string | null>(null);
  const [nodes, setNodes, onNodesChangeBase] = useNodesState<FlowNode>([]);
  const selectedIsCondition = nodes.some((n) => n.id === selected && n.type === 'step' && n.data.node.type === 'condition');
  const lookups = useLookups({ events: selectedIsCondition });
  const { data: journey, error, reload, setData } = useApi<Journey>(isNew ? null : `/journeys/${id}`);

  const [meta, setMeta] = useState<JourneyMeta | null>(null);
  const [edges, setEdges, onEdgesChangeBase] = useEdgesState<FlowEdge>([]);
  const [dirty, setDirty] = useState(false);
  const [showIssues, setShowIssues] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [tab, setTab] = useState('canvas');
  const [version, setVersion] = useState<number | null>(null);
  const [testOpen, setTestOpen] = useState(false);
  const [steps, setSteps] = useState<TestRunStep[] | null>(null);
  const [formKey, setFormKey] = useState(0);
  /** The server's refusal of the last save, shown until the next change. */
  const [refused, setRefused] = useState<GraphIssue[]>([]);
  const loadedKey = useRef<string | null>(null);
  const splitKeys = useRef(new Map<string, string[]>());

  /** Puts a body on the canvas (first load, after saving, a new version). */
  const load = useCallback(
    (body: JourneyBody) => {
      const f = toFlow(body);
      setMeta(f.meta);
      setNodes(f.nodes);
      setEdges(f.edges.map((e) => ({ ...e, ...EDGE_DEFAULTS })));
      setDirty(false);
      setFormKey((k) => k + 1);
      setTimeout(() => flow.fitView({ padding: 0.2, maxZoom: 1 }), 50);
    },
    [setNodes, setEdges, flow],
  );

  useEffect(() => {
    if (isNew) {
      if (loadedKey.current !== 'new') {
        loadedKey.current = 'new';
        load(blankBody(t('jr.untitled')));
      }
      return;
    }
    if (!journey) return;
    const key = `${journey.id}:${journey.version}:${journey.status}`;
    if (loadedKey.current === key) return;
    const first = loadedKey.current === null || !loadedKey.current.startsWith(journey.id);
    loadedKey.current = key;
    if (first || !dirty || journey.status === 'ended') load(journey.definition);
    setVersion(journey.version);
  }, [isNew, journey, load, dirty, t]);

  const status = journey?.status ?? 'draft';
  const readOnly = !canWrite || status === 'ended';
  const started = !!journey && status !== 'draft';

  // Live counts: the chosen version's, every five seconds while the journey runs.
  const statsApi = useApi<unknown>(started && version ? `/journeys/${journey!.id}/stats` : null, version ? { version } : undefined);
  const statsData = useMemo(() => (statsApi.data ? readStats(statsApi.data) : null), [statsApi.data]);
  const stats = { ...statsApi, data: statsData };
  const reloadStats = statsApi.reload;
  useEffect(() => {
    if (status !== 'live') return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') reloadStats();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [status, reloadStats]);

  // The entry node shows the trigger as set.
  useEffect(() => {
    if (!meta) return;
    setNodes((ns) => ns.map((n) => (n.id === ENTRY && n.type === 'entry' && n.data.trigger !== meta.trigger ? { ...n, data: { trigger: meta.trigger } } : n)));
  }, [meta, setNodes]);

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const body = useMemo(() => (meta ? fromFlow(meta, nodes, edges) : null), [meta, nodes, edges]);
  const issues = useMemo(() => (body ? [...checkJourney(body), ...refused] : []), [body, refused]);
  useEffect(() => setRefused((r) => (r.length ? [] : r)), [body]);
  const errors = issues.filter((i) => i.level === 'error');

  const onNodesChange = useCallback(
    (changes: NodeChange<FlowNode>[]) => {
      const safe = readOnly ? changes.filter((c) => c.type === 'select' || c.type === 'dimensions') : changes.filter((c) => !(c.type === 'remove' && c.id === ENTRY));
      if (safe.some((c) => c.type === 'remove' || (c.type === 'position' && c.dragging === false) || c.type === 'add')) setDirty(true);
      for (const c of safe) if (c.type === 'remove' && c.id === selected) setSelected(null);
      onNodesChangeBase(safe);
    },
    [onNodesChangeBase, readOnly, selected],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange<FlowEdge>[]) => {
      const safe = readOnly ? changes.filter((c) => c.type === 'select') : changes;
      if (safe.some((c) => c.type === 'remove')) setDirty(true);
      onEdgesChangeBase(safe);
    },
    [onEdgesChangeBase, readOnly],
  );
  const isValidConnection = useCallback((c: FlowEdge | Connection) => !readOnly && canConnect(edges, c), [edges, readOnly]);
  const onConnect = useCallback(
    (c: Connection) => {
      if (!canConnect(edges, c)) return;
      const branch = c.sourceHandle && c.sourceHandle !== OUT ? c.sourceHandle : undefined;
      setEdges((es) => addEdge({ ...c, id: edgeId({ from: c.source, to: c.target, branch }), targetHandle: 'in', ...EDGE_DEFAULTS }, es));
      setDirty(true);
    },
    [edges, setEdges],
  );

  /** Adds a node: where it was dropped, or below the selected node (joined to its first free way out). */
  const addNode = useCallback(
    (type: JourneyNodeType, at?: { x: number; y: number }) => {
      const nid = nextNodeId(type, nodes.map((n) => n.id));
      const from = !at ? nodes.find((n) => n.id === (selected ?? ENTRY)) : undefined;
      const position = at ?? (from ? { x: from.position.x, y: from.position.y + 150 } : flow.screenToFlowPosition({ x: window.innerWidth / 2, y: window.innerHeight / 2 }));
      const node: StepFlowNode = { id: nid, type: 'step', position, data: { node: defaultNode(type, nid) } };
      setNodes((ns) => [...ns.map((n) => ({ ...n, selected: false })), { ...node, selected: true }]);
      if (from) {
        const handles = from.type === 'entry' ? [OUT] : branchesOf(from.data.node);
        const free = handles.find((h) => canConnect(edges, { source: from.id, target: nid, sourceHandle: h }));
        if (free) setEdges((es) => [...es, { id: edgeId({ from: from.id, to: nid, branch: free === OUT ? undefined : free }), source: from.id, target: nid, sourceHandle: free, targetHandle: 'in', ...EDGE_DEFAULTS }]);
      }
      setSelected(nid);
      setDirty(true);
    },
    [nodes, edges, selected, flow, setNodes, setEdges],
  );

  const onDrop = useCallback(
    (e: DragEvent) => {
      e.preventDefault();
      const type = e.dataTransfer.getData(DND_TYPE) as JourneyNodeType;
      if (!type || readOnly) return;
      const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      addNode(type, { x: p.x - 120, y: p.y - 30 });
    },
    [flow, addNode, readOnly],
  );

  const updateNode = (next: JourneyNode) => {
    const prev = nodes.find((n): n is StepFlowNode => n.id === next.id && n.type === 'step')?.data.node;
    setNodes((ns) => ns.map((n) => (n.id === next.id && n.type === 'step' ? { ...n, data: { node: next } } : n)));
    if (prev?.type === 'random_split' && next.type === 'random_split') {
      // While a key is being retyped (empty or not yet valid) the edges wait on the last valid keys.
      const newKeys = next.branches.map((b) => b?.key ?? '');
      if (newKeys.every((k) => /^[a-z0-9_]{1,20}$/.test(k))) {
        const from = splitKeys.current.get(next.id) ?? branchesOf(prev);
        splitKeys.current.delete(next.id);
        if (from.join() !== newKeys.join()) setEdges((es) => renameBranches(es, next.id, from, newKeys));
      } else if (!splitKeys.current.has(next.id)) splitKeys.current.set(next.id, branchesOf(prev));
    }
    setDirty(true);
  };
  const deleteNode = (nid: string) => {
    setNodes((ns) => ns.filter((n) => n.id !== nid));
    setEdges((es) => es.filter((e) => e.source !== nid && e.target !== nid));
    setSelected(null);
    setDirty(true);
  };

  const relayout = () => {
    if (!body) return;
    const pos = autoLayout(body.nodes, body.edges);
    setNodes((ns) => ns.map((n) => ({ ...n, position: pos[n.id] ?? n.position })));
    setDirty(true);
    setTimeout(() => flow.fitView({ padding: 0.2, maxZoom: 1 }), 50);
  };

  /** Checks, then creates or saves; a live journey gets a new version. Returns the saved journey or null. */
  const save = async (): Promise<Journey | null> => {
    if (!body) return null;
    setShowIssues(true);
    if (errors.length) {
      const first = errors[0]!;
      setSelected(first.nodeId ?? null);
      feedback.message.error(t('jr.fixErrors', { n: errors.length }));
      return null;
    }
    const parsed = JourneyBody.parse(body);
    setBusy('save');
    try {
      if (isNew) {
        const j = await api.post<Journey>('/journeys', parsed);
        setDirty(false);
        feedback.message.success(t('jr.savedDraft'));
        navigate(`/journeys/${j.id}`, { replace: true });
        return j;
      }
      const j = mergeJourney(journey, { ...(await api.put<Partial<Journey>>(`/journeys/${journey!.id}`, parsed)), definition: undefined });
      j.definition = parsed;
      loadedKey.current = `${j.id}:${j.version}:${j.status}`;
      setData(j);
      load(j.definition);
      setVersion(j.version);
      // The answer may leave the version list out: read it again (the canvas stays as saved).
      reload();
      feedback.message.success(j.version !== journey!.version ? t('jr.savedVersion', { v: j.version }) : t('common.saved'));
      return j;
    } catch (err) {
      showError(err);
      if (err instanceof ApiError && (err.status === 400 || err.status === 422)) {
        const found = serverIssues(err.details, err.message, body);
        setRefused(found);
        if (found[0]) setSelected(found[0].nodeId ?? null);
      }
      return null;
    } finally {
      setBusy(null);
    }
  };

  const publish = async () => {
    if (dirty || isNew) {
      const saved = await save();
      if (!saved || isNew) return;
    }
    if (errors.length) return void save();
    // A playbook's placeholders must be picked before customers can enter.
    const picks = issues.filter((i) => i.code === 'placeholder');
    if (picks.length) {
      setShowIssues(true);
      setSelected(picks[0]!.nodeId ?? null);
      feedback.message.error(t('jr.pickFirst', { n: picks.length }));
      return;
    }
    setBusy('publish');
    try {
      const j = await journeyAction(journey!.id, 'publish', t);
      if (j) setData(mergeJourney(journey, j));
      else reload();
    } catch (err) {
      // Shown as a toast; a 400 / 422 naming nodes or fields also lands on them.
      if (err instanceof ApiError && (err.status === 400 || err.status === 422) && body) {
        setShowIssues(true);
        setRefused(serverIssues(err.details, err.message, body));
      }
    } finally {
      setBusy(null);
    }
  };

  const lifecycle = async (action: 'pause' | 'resume' | 'end') => {
    setBusy(action);
    try {
      const j = await journeyAction(journey!.id, action, t);
      if (j) setData(mergeJourney(journey, j));
      else reload();
    } catch {
      /* shown */
    } finally {
      setBusy(null);
    }
  };

  const path = useMemo(() => (steps ? pathOf(steps, edges) : null), [steps, edges]);
  const shownEdges = useMemo(
    () =>
      edges.map((e) => {
        const on = path?.edges.has(e.id);
        return path ? { ...e, animated: !!on, className: on ? 'jr-edge-path' : 'jr-edge-dim' } : e.animated || e.className ? { ...e, animated: false, className: undefined } : e;
      }),
    [edges, path],
  );
  const overlay = useMemo<CanvasOverlay>(() => {
    const byNode = new Map<string, 'error' | 'warning'>();
    if (showIssues)
      for (const i of issues) {
        const key = i.nodeId ?? (['entryUnconnected', 'entryTwice'].includes(i.code) || i.path[0] === 'trigger' ? ENTRY : null);
        if (key && byNode.get(key) !== 'error') byNode.set(key, i.level);
      }
    return { names: lookups.names, stats: started ? (stats.data?.nodes ?? {}) : null, entry: started ? (stats.data?.entry ?? null) : null, path, issues: byNode };
  }, [showIssues, issues, lookups.names, started, stats.data, path]);

  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!meta || (!isNew && !journey)) return <div className="page-card"><Skeleton active /></div>;

  const selectedNode = nodes.find((n): n is StepFlowNode => n.id === selected && n.type === 'step');
  const nodeIssues = (nid: string) => (showIssues ? issues.filter((i) => i.nodeId === nid) : []);
  const settingsIssues = showIssues ? issues.filter((i) => !i.nodeId && i.code === 'schema' && i.path.length && !['nodes', 'edges', 'positions', 'name'].includes(String(i.path[0]))) : [];
  const nameIssue = showIssues ? issues.find((i) => !i.nodeId && i.path[0] === 'name') : undefined;
  const graphIssues = showIssues ? issues : [];
  const versions = [...(journey?.versions ?? [])].sort((a, b) => b.version - a.version);
  const nodeMap = new Map(nodes.filter((n): n is StepFlowNode => n.type === 'step').map((n) => [n.id, n.data.node]));

  const header = (
    <div className="page-card jr-head">
      <Space size={8} wrap style={{ flex: 1, minWidth: 280 }}>
        <Input
          value={meta.name}
          onChange={(e) => {
            setMeta({ ...meta, name: e.target.value });
            setDirty(true);
          }}
          maxLength={60}
          disabled={readOnly}
          status={nameIssue ? 'error' : undefined}
          placeholder={t('jr.namePlaceholder')}
          aria-label={t('jr.col.name')}
          className="jr-name"
          data-testid="jr-name"
        />
        <JourneyStatusTag status={status} />
        {journey && status !== 'draft' && <span className="muted">v{journey.version}</span>}
        {dirty && <span className="jr-dirty">{t('jr.unsaved')}</span>}
      </Space>
      <Space wrap>
        {started && (
          <Select
            size="middle"
            value={version ?? undefined}
            onChange={setVersion}
            style={{ width: 220 }}
            options={versions.map((v) => ({ value: v.version, label: `${t('jr.version', { v: v.version })} · ${fmtTime(v.createdAt).slice(5, 16)}` }))}
            aria-label={t('jr.versionPick')}
            data-testid="jr-version"
          />
        )}
        {!isNew && (
          <Tooltip title={dirty ? t('jr.test.saveFirst') : undefined}>
            <Button icon={<BugOutlined />} disabled={dirty || !canWrite || status === 'ended'} onClick={() => setTestOpen(true)} data-testid="jr-test">
              {t('jr.test.button')}
            </Button>
          </Tooltip>
        )}
        {!readOnly && (
          <Button icon={<SaveOutlined />} loading={busy === 'save'} onClick={() => void save()} data-testid="jr-save">
            {status === 'draft' ? t('jr.saveDraft') : t('jr.saveVersion')}
          </Button>
        )}
        {!readOnly && status === 'draft' && (
          <Popconfirm title={t('jr.publishConfirm')} onConfirm={publish} okText={t('jr.action.publish')} cancelText={t('common.cancel')} okButtonProps={{ 'data-testid': 'jr-publish-ok' } as never}>
            <Button type="primary" icon={<RocketOutlined />} loading={busy === 'publish'} data-testid="jr-publish">
              {t('jr.action.publish')}
            </Button>
          </Popconfirm>
        )}
        {canWrite && status === 'live' && (
          <Button icon={<PauseCircleOutlined />} loading={busy === 'pause'} onClick={() => lifecycle('pause')} data-testid="jr-pause">
            {t('jr.action.pause')}
          </Button>
        )}
        {canWrite && status === 'paused' && (
          <Button type="primary" icon={<PlayCircleOutlined />} loading={busy === 'resume'} onClick={() => lifecycle('resume')} data-testid="jr-resume">
            {t('jr.action.resume')}
          </Button>
        )}
        {canWrite && (status === 'live' || status === 'paused') && (
          <Popconfirm title={t('jr.endConfirm')} onConfirm={() => lifecycle('end')} okText={t('jr.action.end')} cancelText={t('common.cancel')} okButtonProps={{ danger: true, 'data-testid': 'jr-end-ok' } as never}>
            <Button danger icon={<StopOutlined />} loading={busy === 'end'} data-testid="jr-end">
              {t('jr.action.end')}
            </Button>
          </Popconfirm>
        )}
      </Space>
    </div>
  );

  const canvas = (
    <>
      {started && version !== journey?.version && <Alert type="info" showIcon title={t('jr.olderVersion', { v: version ?? '', current: journey?.version ?? '' })} style={{ marginBottom: 8 }} />}
      {status === 'live' && !readOnly && <Alert type="warning" showIcon title={t('jr.liveEditHint')} style={{ marginBottom: 8 }} />}
      {graphIssues.length > 0 && (
        <Alert
          type={errors.length ? 'error' : 'warning'}
          showIcon
          style={{ marginBottom: 8 }}
          data-testid="jr-issues"
          title={errors.length ? t('jr.issuesTitle', { n: errors.length }) : t('jr.warningsTitle', { n: issues.length })}
          description={
            <ul className="jr-issue-list">
              {graphIssues.slice(0, 8).map((i, k) => (
                <li key={k}>
                  {i.nodeId ? (
                    <a onClick={() => setSelected(i.nodeId!)}>
                      {nodeTypeText(nodeMap.get(i.nodeId)?.type ?? '', lang)} {i.nodeId}
                    </a>
                  ) : (
                    <a onClick={() => setSelected(null)}>{i.path[0] === 'name' ? t('jr.col.name') : i.path.length && i.path[0] !== 'edges' ? t('jr.settingsTitle') : t('jr.tab.canvas')}</a>
                  )}
                  {': '}
                  {issueText(i, t, lang)}
                </li>
              ))}
            </ul>
          }
        />
      )}
      <div className="jr-editor" data-testid="jr-editor">
        <aside className="jr-palette" aria-label={t('jr.palette')}>
          {NODE_GROUPS.map((g) => (
            <div key={g.key}>
              <div className="jr-palette-title">{t(`jr.group.${g.key}`)}</div>
              {g.types.map((type) => (
                <button
                  key={type}
                  type="button"
                  className={`jr-palette-item jr-kind-${nodeKind(type)}`}
                  draggable={!readOnly}
                  disabled={readOnly}
                  onDragStart={(e) => {
                    e.dataTransfer.setData(DND_TYPE, type);
                    e.dataTransfer.effectAllowed = 'move';
                  }}
                  onClick={() => addNode(type)}
                  title={t('jr.paletteHint')}
                  data-testid={`jr-palette-${type}`}
                >
                  <span className="jr-node-icon">{NODE_ICONS[type]}</span>
                  {nodeTypeText(type, lang)}
                </button>
              ))}
            </div>
          ))}
        </aside>
        <div className="jr-canvas" onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = 'move'; }} onDrop={onDrop}>
          <CanvasContext.Provider value={overlay}>
            <ReactFlow<FlowNode, FlowEdge>
              nodes={nodes}
              edges={shownEdges}
              nodeTypes={FLOW_NODE_TYPES}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onConnect={onConnect}
              isValidConnection={isValidConnection}
              onNodeClick={(_, n) => setSelected(n.id === ENTRY ? null : n.id)}
              onPaneClick={() => setSelected(null)}
              nodesDraggable={!readOnly}
              nodesConnectable={!readOnly}
              deleteKeyCode={readOnly ? null : ['Backspace', 'Delete']}
              defaultEdgeOptions={EDGE_DEFAULTS}
              minZoom={0.2}
              maxZoom={1.5}
              fitView
              fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
              proOptions={{ hideAttribution: true }}
            >
              <Background gap={16} />
              <Controls showInteractive={false} />
              <Panel position="top-right">
                <Space>
                  {steps && (
                    <Button size="small" icon={<CloseCircleOutlined />} onClick={() => setSteps(null)} data-testid="jr-clear-path">
                      {t('jr.test.clear')}
                    </Button>
                  )}
                  {!readOnly && (
                    <Button size="small" icon={<ApartmentOutlined />} onClick={relayout} data-testid="jr-layout">
                      {t('jr.autoLayout')}
                    </Button>
                  )}
                </Space>
              </Panel>
              {started && (
                <Panel position="bottom-center">
                  <div className="jr-legend">
                    {(['entered', 'waiting', 'passed', 'converted'] as const).map((k) => (
                      <span key={k}>
                        <span className={`jr-badge jr-badge-${k}`}>&nbsp;</span> {t(`jr.stat.${k}`)}
                      </span>
                    ))}
                    {stats.loading && <span className="muted">…</span>}
                  </div>
                </Panel>
              )}
            </ReactFlow>
          </CanvasContext.Provider>
        </div>
        <aside className="jr-side">
          {selectedNode ? (
            <Inspector
              key={`${selectedNode.id}:${formKey}`}
              node={selectedNode.data.node}
              onChange={updateNode}
              onDelete={() => deleteNode(selectedNode.id)}
              lookups={lookups}
              issues={nodeIssues(selectedNode.id)}
              disabled={readOnly}
              showAll={showIssues}
            />
          ) : (
            <>
              <h3 className="jr-section" style={{ marginTop: 0 }}>{t('jr.settingsTitle')}</h3>
              <SettingsPanel
                key={formKey}
                meta={meta}
                onChange={(m) => {
                  setMeta(m);
                  setDirty(true);
                }}
                lookups={lookups}
                issues={settingsIssues}
                disabled={readOnly}
                live={status !== 'draft'}
              />
            </>
          )}
        </aside>
      </div>
    </>
  );

  return (
    <div data-testid="journey-editor">
      {header}
      <div className="page-card">
        <Tabs
          activeKey={tab}
          onChange={setTab}
          items={[
            { key: 'canvas', label: t('jr.tab.canvas'), children: canvas },
            {
              key: 'result',
              label: t('jr.tab.result'),
              disabled: !started,
              children: started ? (
                stats.error && !stats.data ? (
                  <Alert type="error" showIcon title={stats.error.message} action={<Button size="small" onClick={stats.reload}>{t('common.retry')}</Button>} />
                ) : (
                  <ResultPanel result={stats.data ? stats.data.result : undefined} holdoutPercent={meta.holdoutPercent} goalDays={meta.goal?.withinDays ?? null} />
                )
              ) : null,
            },
          ]}
        />
      </div>
      {journey && testOpen && <TestRunModal journeyId={journey.id} open={testOpen} onClose={() => setTestOpen(false)} onSteps={setSteps} nodes={nodeMap} />}
    </div>
  );
}

export default function JourneyEditor() {
  return (
    <ReactFlowProvider>
      <Editor />
    </ReactFlowProvider>
  );
}

export type { GraphIssue };
