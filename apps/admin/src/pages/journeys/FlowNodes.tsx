import { createContext, memo, useContext } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { Tooltip } from 'antd';
import { ThunderboltOutlined } from '@ant-design/icons';
import type { JourneyNodeStats } from '@siyu/contracts';
import { NODE_ICONS, nodeKind } from './icons';
import { useI18n } from '../../lib/i18n';
import { OUT, branchesOf, type EntryFlowNode, type StepFlowNode } from './graph';
import { NO_NAMES, branchText, nodeSummary, nodeTypeText, triggerText, type Names } from './labels';

/** What the canvas overlays on the graph: names, live counts, a test run's path and the checks' findings. */
export interface CanvasOverlay {
  names: Names;
  stats: Record<string, JourneyNodeStats> | null;
  entry: { entered: number; holdout: number } | null;
  path: { nodes: Set<string>; edges: Set<string> } | null;
  issues: Map<string, 'error' | 'warning'>;
}
export const CanvasContext = createContext<CanvasOverlay>({ names: NO_NAMES, stats: null, entry: null, path: null, issues: new Map() });

function Badges({ s }: { s: JourneyNodeStats }) {
  const { t } = useI18n();
  const items: [keyof JourneyNodeStats, number][] = [
    ['entered', s.entered],
    ['waiting', s.waiting],
    ['passed', s.passed],
    ['converted', s.converted],
  ];
  return (
    <div className="jr-badges">
      {items.map(([k, v]) => (
        <Tooltip key={k} title={t(`jr.stat.${k}`)}>
          <span className={`jr-badge jr-badge-${k}`} data-testid={`jr-badge-${k}`} aria-label={`${t(`jr.stat.${k}`)} ${v}`}>
            {v.toLocaleString()}
          </span>
        </Tooltip>
      ))}
    </div>
  );
}

export const StepNode = memo(function StepNode({ id, data, selected }: NodeProps<StepFlowNode>) {
  const { t, lang } = useI18n();
  const o = useContext(CanvasContext);
  const n = data.node;
  const branches = branchesOf(n);
  const issue = o.issues.get(id);
  const onPath = o.path?.nodes.has(id);
  const dim = o.path && !onPath;
  const cls = ['jr-node', `jr-kind-${nodeKind(n.type)}`, selected ? 'selected' : '', issue ? `jr-issue-${issue}` : '', onPath ? 'jr-on-path' : '', dim ? 'jr-dim' : ''].join(' ');
  return (
    <div className={cls} data-testid={`jr-node-${id}`} data-type={n.type}>
      <Handle type="target" position={Position.Top} id="in" className="jr-handle" />
      <div className="jr-node-head">
        <span className="jr-node-icon">{NODE_ICONS[n.type]}</span>
        <span className="jr-node-type">{nodeTypeText(n.type, lang)}</span>
        <span className="jr-node-id">{id}</span>
      </div>
      <div className="jr-node-body" title={nodeSummary(n, t, lang, o.names)}>
        {nodeSummary(n, t, lang, o.names)}
      </div>
      {o.stats && <Badges s={o.stats[id] ?? { entered: 0, waiting: 0, passed: 0, converted: 0 }} />}
      {branches.length > 1 || (branches.length === 1 && branches[0] !== OUT) ? (
        <div className="jr-branches">
          {branches.map((b, i) => (
            <div key={b} className={`jr-branch jr-branch-${b}`} style={{ left: `${((i + 0.5) / branches.length) * 100}%` }}>
              <span>{branchText(b, t)}</span>
              <Handle type="source" position={Position.Bottom} id={b} className="jr-handle" style={{ left: '50%' }} data-testid={`jr-handle-${id}-${b}`} />
            </div>
          ))}
        </div>
      ) : branches.length === 1 ? (
        <Handle type="source" position={Position.Bottom} id={OUT} className="jr-handle" data-testid={`jr-handle-${id}-out`} />
      ) : null}
    </div>
  );
});

export const EntryNode = memo(function EntryNode({ data, selected }: NodeProps<EntryFlowNode>) {
  const { t, lang } = useI18n();
  const o = useContext(CanvasContext);
  const issue = o.issues.get('entry');
  return (
    <div className={['jr-node', 'jr-entry', selected ? 'selected' : '', issue ? `jr-issue-${issue}` : '', o.path ? 'jr-on-path' : ''].join(' ')} data-testid="jr-node-entry">
      <div className="jr-node-head">
        <span className="jr-node-icon">
          <ThunderboltOutlined />
        </span>
        <span className="jr-node-type">{t('jr.entry')}</span>
      </div>
      <div className="jr-node-body">{triggerText(data.trigger, t, lang, o.names)}</div>
      {o.entry && (
        <div className="jr-badges">
          <Tooltip title={t('jr.stat.entered')}>
            <span className="jr-badge jr-badge-entered">{o.entry.entered.toLocaleString()}</span>
          </Tooltip>
          <Tooltip title={t('jr.stat.holdout')}>
            <span className="jr-badge jr-badge-holdout">{o.entry.holdout.toLocaleString()}</span>
          </Tooltip>
        </div>
      )}
      <Handle type="source" position={Position.Bottom} id={OUT} className="jr-handle" data-testid="jr-handle-entry-out" />
    </div>
  );
});

export const FLOW_NODE_TYPES = { step: StepNode, entry: EntryNode };
