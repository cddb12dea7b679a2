import { Alert, Button, Tag } from 'antd';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import { ProductThumb, useProductBriefs } from './ProductPicker';
import { ActivityLink, SalesListPage } from './SalesListPage';
import { fmtMinute } from './shared';
import type { Presale, PresalePhase } from './salesTypes';
import './promotions.css';

const PHASE_COLORS: Record<PresalePhase, string> = { upcoming: 'blue', deposit: 'red', waiting: 'gold', balance: 'green', ended: 'default' };

export function PresalePhaseTag({ phase }: { phase: PresalePhase }) {
  const { t } = useI18n();
  return <Tag color={PHASE_COLORS[phase]} data-testid="presale-phase">{t(`presale.phase.${phase}`)}</Tag>;
}

/** Two lines: the deposit phase, then the balance window. */
export function PresaleWindows({ p }: { p: Pick<Presale, 'depositStartsAt' | 'depositEndsAt' | 'balanceStartsAt' | 'balanceEndsAt'> }) {
  const { t } = useI18n();
  return (
    <div style={{ fontSize: 12 }}>
      <div>
        <span className="muted">{t('presale.depositShort')} </span>
        {fmtMinute(p.depositStartsAt)} ~ {fmtMinute(p.depositEndsAt)}
      </div>
      <div>
        <span className="muted">{t('presale.balanceShort')} </span>
        {fmtMinute(p.balanceStartsAt)} ~ {fmtMinute(p.balanceEndsAt)}
      </div>
    </div>
  );
}

/** 定金预售: every pre-sale with its phase and how deposits turned out; 结束 ends one now. */
export default function PresaleList() {
  const { t } = useI18n();
  const { data, loading, error, reload } = useApi<Presale[]>('/presales');
  const list = data ?? [];
  const briefs = useProductBriefs([...new Set(list.map((p) => p.productId))]);

  return (
    <SalesListPage<Presale>
      basePath="/presales"
      testPrefix="presale"
      title={t('nav.presales')}
      hint={t('presale.hint')}
      newLabel={t('presale.new')}
      errorBar={error && <Alert type="error" showIcon title={error.message} action={<Button size="small" onClick={reload}>{t('common.retry')}</Button>} style={{ marginBottom: 12 }} />}
      list={list}
      loading={loading}
      reload={reload}
      scroll={{ x: 1400 }}
      actions={{ width: 140, canEnd: (p) => p.status !== 'ended' && p.phase !== 'ended', endConfirm: t('presale.endConfirm'), endLabel: t('promo.action.end'), ended: 'presale.ended' }}
      columns={[
        { title: t('presale.name'), dataIndex: 'name', render: (_, p) => <ActivityLink a={p} basePath="/presales" testPrefix="presale" /> },
        { title: t('presale.product'), key: 'product', width: 220, render: (_, p) => <ProductThumb id={p.productId} brief={briefs.get(p.productId)} /> },
        { title: t('presale.deposit'), key: 'deposit', width: 150, render: (_, p) => p.items.map((i) => <div key={i.skuId}>{i.label}</div>) },
        { title: t('presale.windows'), key: 'windows', width: 260, render: (_, p) => <PresaleWindows p={p} /> },
        { title: t('presale.phaseTitle'), dataIndex: 'phase', width: 100, render: (ph: PresalePhase) => <PresalePhaseTag phase={ph} /> },
        { title: t('presale.stats.deposits'), key: 'deposits', width: 80, render: (_, p) => p.stats.deposits },
        { title: t('presale.stats.units'), key: 'units', width: 80, render: (_, p) => p.stats.units },
        { title: t('presale.stats.completed'), key: 'completed', width: 90, render: (_, p) => p.stats.completed },
        { title: t('presale.stats.forfeited'), key: 'forfeited', width: 90, render: (_, p) => p.stats.forfeited },
        { title: t('presale.stats.depositFen'), key: 'depositFen', width: 120, render: (_, p) => formatFen(p.stats.depositFen, true) },
      ]}
    />
  );
}
