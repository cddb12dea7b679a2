import { useMemo } from 'react';
import { Alert, Col, Row, Space, Table, Tag } from 'antd';
import type { BroadcastResult, BroadcastVariantAnalysis, BroadcastVariantResult } from '@siyu/contracts';
import { useI18n, type TFunction } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import Chart from '../../components/Chart';
import { armRatesOption } from '../experiments/charts';
import { ComparisonTable } from '../experiments/ExperimentResult';
import { verdictText } from '../experiments/labels';
import { confidenceText, pStatement, weightShares } from '../experiments/model';
import { alphaPerComparison, variantLetter, wilsonInterval } from './ab';
import { pctText } from './labels';

const money = (fen: number | null | undefined) => formatFen(fen === null || fen === undefined ? fen : Math.round(fen), true);

const VERDICT_ALERT = { variant_wins: 'success', control_wins: 'warning', no_difference_yet: 'info', srm: 'error', too_small: 'info' } as const;

interface ArmRow {
  key: string;
  label: string;
  holdout: boolean;
  recipients: number;
  delivered: number | null;
  clicked: number | null;
  buyers: number;
  conversion: number;
  ci: { lower: number; upper: number } | null;
  revenueFen: number;
  revenuePerRecipientFen: number;
  incremental: BroadcastVariantResult['incrementalRevenueFen'] | undefined;
}

const armLabel = (v: Pick<BroadcastVariantResult, 'key' | 'name'>) => `${variantLetter(v.key)} · ${v.name}`;

/** The verdict, the split check and whether the arms are big enough yet. */
function Verdict({ variants, a, t }: { variants: BroadcastVariantResult[]; a: BroadcastVariantAnalysis; t: TFunction }) {
  const { lang } = useI18n();
  const winner = variants.find((v) => v.key === a.winner);
  const control = variantLetter(variants[0]!.key);
  const total = variants.reduce((s, v) => s + v.recipients, 0);
  const weights = variants.reduce((s, v) => s + v.weight, 0);
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      {a.srm.flagged && (
        <Alert
          type="error"
          showIcon
          title={t('exp.r.srmTitle', { chi2: a.srm.chi2.toFixed(2), p: pStatement(a.srm.pValue) })}
          description={t('msg.ab.srmText', { observed: variants.map((v) => v.recipients).join(' : '), expected: variants.map((v) => Math.round((v.weight / weights) * total)).join(' : ') })}
          data-testid="broadcast-ab-srm"
        />
      )}
      {/* With a broken split the red check above is the verdict; saying it twice adds nothing. */}
      {!(a.srm.flagged && a.verdict === 'srm') && (
        <Alert
          type={VERDICT_ALERT[a.verdict]}
          showIcon
          title={
            <span data-testid="broadcast-ab-verdict" data-verdict={a.verdict}>
              {verdictText(a.verdict, lang)}
              {a.verdict === 'variant_wins' && winner ? `: ${armLabel(winner)}` : ''}
            </span>
          }
          description={t(`msg.ab.verdictHint.${a.verdict}`, { name: winner ? armLabel(winner) : '', control })}
        />
      )}
      {a.sampleSizeReached ? (
        <Tag color="green" data-testid="broadcast-ab-sample">{t('msg.ab.sampleReached', { n: Math.ceil(a.requiredUsersPerArm ?? 0).toLocaleString('en-US') })}</Tag>
      ) : (
        <Alert
          type="warning"
          showIcon
          title={a.requiredUsersPerArm === null ? t('msg.ab.tooFewUnknown') : t('msg.ab.tooFew', { n: Math.ceil(a.requiredUsersPerArm).toLocaleString('en-US') })}
          data-testid="broadcast-ab-sample"
        />
      )}
    </Space>
  );
}

/**
 * 群发 A/B 测试的结果: each arm (and the holdout) with its own increment over the holdout, conversion per
 * arm with its interval, and the arms against the control with the experiments' statistics.
 */
export default function VariantResult({ r, t }: { r: BroadcastResult & { variants: BroadcastVariantResult[] }; t: TFunction }) {
  const variants = r.variants;
  const a = r.analysis;
  const h = r.arms.holdout;
  const rows: ArmRow[] = useMemo(
    () => [
      {
        key: 'holdout',
        label: t('msg.ab.holdoutRow'),
        holdout: true,
        recipients: h.recipients,
        delivered: null,
        clicked: null,
        buyers: h.buyers,
        conversion: r.conversion.holdout,
        ci: wilsonInterval(h.buyers, h.recipients),
        revenueFen: h.revenueFen,
        revenuePerRecipientFen: r.revenuePerRecipientFen.holdout,
        incremental: undefined,
      },
      ...variants.map((v) => ({
        key: v.key,
        label: armLabel(v),
        holdout: false,
        recipients: v.recipients,
        delivered: v.delivered,
        clicked: v.clicked,
        buyers: v.buyers,
        conversion: v.conversion,
        ci: wilsonInterval(v.buyers, v.recipients),
        revenueFen: v.revenueFen,
        revenuePerRecipientFen: v.revenuePerRecipientFen,
        incremental: v.incrementalRevenueFen,
      })),
    ],
    [r, variants, h, t],
  );
  // The holdout is grey, as the control in the experiments' charts: it is what nobody was sent.
  const chart = useMemo(
    () =>
      armRatesOption(
        rows.map((x) => ({ name: x.holdout ? t('msg.result.holdoutArm') : x.label, rate: x.conversion, lower: x.ci?.lower ?? null, upper: x.ci?.upper ?? null })),
        { rate: t('msg.result.conversion'), interval: t('exp.r.interval95') },
      ),
    [rows, t],
  );
  const shares = weightShares(variants);
  const conf = confidenceText(alphaPerComparison(variants.length));
  const num = (n: number | null) => (n === null ? <span className="muted">-</span> : n.toLocaleString('en-US'));

  return (
    <div className="msg-ab-result" data-testid="broadcast-ab-result">
      <h3 className="page-title" style={{ fontSize: 15, margin: '8px 0' }}>{t('msg.ab.result')}</h3>
      <p className="muted msg-note">{t('msg.ab.resultIntro', { control: variantLetter(variants[0]!.key) })}</p>
      <Row gutter={[24, 16]}>
        <Col xs={24} xl={12}>
          {a ? <Verdict variants={variants} a={a} t={t} /> : <Alert type="info" showIcon title={t('msg.ab.noAnalysis')} data-testid="broadcast-ab-no-analysis" />}
        </Col>
        <Col xs={24} xl={12}>
          <h4 className="stat-label" style={{ margin: '0 0 4px' }}>{t('exp.r.chartArms')}</h4>
          <Chart option={chart} height={240} label={t('msg.ab.chartLabel', { list: rows.map((x) => `${x.label} ${pctText(x.conversion)}`).join(t('common.listSep')) })} testId="broadcast-ab-chart" />
        </Col>
      </Row>

      <Table<ArmRow>
        size="small"
        rowKey="key"
        pagination={false}
        dataSource={rows}
        scroll={{ x: 1000 }}
        className="msg-ab-table"
        style={{ marginTop: 16 }}
        rowClassName={(x) => (x.holdout ? 'msg-ab-holdout-row' : '')}
        onRow={(x) => ({ 'data-testid': `broadcast-ab-arm-${x.key}` }) as React.HTMLAttributes<HTMLElement>}
        data-testid="broadcast-ab-arms"
        columns={[
          {
            title: t('msg.ab.arm'),
            key: 'arm',
            render: (_, x) => {
              const i = variants.findIndex((v) => v.key === x.key);
              return (
                <div>
                  <div style={{ fontWeight: 500 }}>{x.label}</div>
                  {i >= 0 && (
                    <div className="muted" style={{ fontSize: 12 }}>
                      {t('msg.ab.share', { pct: shares[i] ?? 0 })}
                      {i === 0 ? ` · ${t('msg.ab.control')}` : ''}
                    </div>
                  )}
                </div>
              );
            },
          },
          { title: t('msg.result.recipients'), dataIndex: 'recipients', align: 'right', render: num },
          { title: t('msg.result.delivered'), dataIndex: 'delivered', align: 'right', render: num },
          { title: t('msg.result.clicked'), dataIndex: 'clicked', align: 'right', render: num },
          { title: t('msg.result.buyers'), dataIndex: 'buyers', align: 'right', render: num },
          {
            title: t('msg.result.conversion'),
            key: 'conversion',
            align: 'right',
            render: (_, x) => (
              <div>
                <div data-testid={`broadcast-ab-conversion-${x.key}`}>{pctText(x.conversion)}</div>
                {x.ci && <div className="muted" style={{ fontSize: 12, whiteSpace: 'nowrap' }}>{t('exp.r.ci95', { low: pctText(x.ci.lower), high: pctText(x.ci.upper) })}</div>}
              </div>
            ),
          },
          { title: t('msg.result.revenue'), dataIndex: 'revenueFen', align: 'right', render: (v: number) => money(v) },
          { title: t('msg.result.revenuePerRecipient'), dataIndex: 'revenuePerRecipientFen', align: 'right', render: (v: number) => money(v) },
          {
            title: t('msg.ab.incremental'),
            key: 'incremental',
            align: 'right',
            width: 200,
            render: (_, x) =>
              x.holdout ? (
                <span className="muted">{t('msg.ab.baseline')}</span>
              ) : !x.incremental ? (
                <span className="muted">-</span>
              ) : (
                <div data-testid={`broadcast-ab-incremental-${x.key}`}>
                  <div style={{ fontWeight: 500, color: x.incremental.low > 0 ? '#2fc25b' : x.incremental.high < 0 ? '#d4380d' : undefined }}>{money(x.incremental.estimate)}</div>
                  <div className="muted" style={{ fontSize: 12, whiteSpace: 'nowrap' }}>{t('msg.result.interval', { low: money(x.incremental.low), high: money(x.incremental.high) })}</div>
                </div>
              ),
          },
        ]}
      />

      {a && (
        <div style={{ marginTop: 16 }} data-testid="broadcast-ab-comparisons">
          <h4 className="stat-label" style={{ margin: '0 0 4px' }}>{t('msg.ab.compare', { name: variantLetter(variants[0]!.key) })}</h4>
          <p className="muted" style={{ fontSize: 12, margin: '0 0 8px' }}>{t('msg.ab.compareIntro', { conf })}</p>
          <ComparisonTable
            r={{ experiment: { variants: variants.map((v) => ({ key: v.key, name: armLabel(v) })) }, arms: variants }}
            a={{ alphaPerComparison: alphaPerComparison(variants.length), primaryMetric: 'conversion', comparisons: a.comparisons }}
            cuped={false}
            t={t}
          />
        </div>
      )}
    </div>
  );
}
