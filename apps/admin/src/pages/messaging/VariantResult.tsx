import { useMemo } from 'react';
import { Alert, Col, Row, Space, Table, Tag, type TableColumnsType } from 'antd';
import type { BroadcastResult, BroadcastVariantResult, SplitAnalysis, Verdict as VerdictKind } from '@siyu/contracts';
import type { MessageKey } from '../../lib/dict';
import { useI18n, type TFunction } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import Chart from '../../components/Chart';
import { armRatesOption } from '../experiments/charts';
import { ComparisonTable } from '../experiments/ExperimentResult';
import { verdictText } from '../experiments/labels';
import { confidenceText, pStatement, weightShares } from '../experiments/model';
import { alphaPerComparison, variantLetter, wilsonInterval } from './ab';
import { pctText } from './labels';
// The journey page shows this too, without a messaging page having loaded the styles first.
import './messaging.css';

const money = (fen: number | null | undefined) => formatFen(fen === null || fen === undefined ? fen : Math.round(fen), true);

const VERDICT_ALERT = { variant_wins: 'success', control_wins: 'warning', no_difference_yet: 'info', srm: 'error', too_small: 'info' } as const;

/** One arm of a random split: a broadcast's variant or a branch of a journey's random split. */
export interface AbArm {
  key: string;
  label: string;
  weight: number;
  people: number;
  buyers: number;
  revenueFen: number;
  conversion: number;
  revenuePerPersonFen: number;
  /** Only a broadcast has a delivery funnel; without it the columns are left out. */
  delivered?: number;
  clicked?: number;
  /** This arm against the holdout, scaled to the arm's people. */
  incremental: { estimate: number; low: number; high: number } | null;
}

/** Who was kept out (nothing sent, no actions): the baseline each arm's increment is measured against. */
export interface AbHoldout {
  people: number;
  buyers: number;
  revenueFen: number;
  conversion: number;
  revenuePerPersonFen: number;
}

/**
 * Dictionary keys of the words that differ between a broadcast's arms ("方案", recipients, buyers) and a
 * journey's branches ("分支", customers, conversions); `verdictHint` is a prefix taking the verdict.
 */
export type AbWords = Record<'holdoutRow' | 'people' | 'buyers' | 'revenue' | 'perPerson' | 'share' | 'compare' | 'compareIntro' | 'srmText' | 'tooFewUnknown' | 'noAnalysis', MessageKey> & { verdictHint: HintPrefix };

/** A key prefix the dictionary completes for every verdict. */
type HintPrefix = { [K in MessageKey]: K extends `${infer P}.variant_wins` ? (`${P}.${VerdictKind}` extends MessageKey ? P : never) : never }[MessageKey];

export const BROADCAST_AB_WORDS: AbWords = {
  holdoutRow: 'msg.ab.holdoutRow',
  people: 'msg.result.recipients',
  buyers: 'msg.result.buyers',
  revenue: 'msg.result.revenue',
  perPerson: 'msg.result.revenuePerRecipient',
  share: 'msg.ab.share',
  compare: 'msg.ab.compare',
  compareIntro: 'msg.ab.compareIntro',
  verdictHint: 'msg.ab.verdictHint',
  srmText: 'msg.ab.srmText',
  tooFewUnknown: 'msg.ab.tooFewUnknown',
  noAnalysis: 'msg.ab.noAnalysis',
};

interface ArmRow {
  id: string;
  key: string;
  label: string;
  holdout: boolean;
  people: number;
  delivered: number | null;
  clicked: number | null;
  buyers: number;
  conversion: number;
  ci: { lower: number; upper: number } | null;
  revenueFen: number;
  revenuePerPersonFen: number;
  incremental: AbArm['incremental'] | undefined;
}

/** The verdict, the split check and whether the arms are big enough yet. */
function Verdict({ arms, a, control, words, testId, t }: { arms: AbArm[]; a: SplitAnalysis; control: string; words: AbWords; testId: string; t: TFunction }) {
  const { lang } = useI18n();
  const winner = arms.find((v) => v.key === a.winner);
  const total = arms.reduce((s, v) => s + v.people, 0);
  const weights = arms.reduce((s, v) => s + v.weight, 0);
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      {a.srm.flagged && (
        <Alert
          type="error"
          showIcon
          title={t('exp.r.srmTitle', { chi2: a.srm.chi2.toFixed(2), p: pStatement(a.srm.pValue) })}
          description={t(words.srmText, { observed: arms.map((v) => v.people).join(' : '), expected: arms.map((v) => Math.round((v.weight / weights) * total)).join(' : ') })}
          data-testid={`${testId}-srm`}
        />
      )}
      {/* With a broken split the red check above is the verdict; saying it twice adds nothing. */}
      {!(a.srm.flagged && a.verdict === 'srm') && (
        <Alert
          type={VERDICT_ALERT[a.verdict]}
          showIcon
          title={
            <span data-testid={`${testId}-verdict`} data-verdict={a.verdict}>
              {verdictText(a.verdict, lang)}
              {a.verdict === 'variant_wins' && winner ? `: ${winner.label}` : ''}
            </span>
          }
          description={t(`${words.verdictHint}.${a.verdict}`, { name: winner ? winner.label : '', control })}
        />
      )}
      {a.sampleSizeReached ? (
        <Tag color="green" data-testid={`${testId}-sample`}>{t('msg.ab.sampleReached', { n: Math.ceil(a.requiredUsersPerArm ?? 0).toLocaleString('en-US') })}</Tag>
      ) : (
        <Alert
          type="warning"
          showIcon
          title={a.requiredUsersPerArm === null ? t(words.tooFewUnknown) : t('msg.ab.tooFew', { n: Math.ceil(a.requiredUsersPerArm).toLocaleString('en-US') })}
          data-testid={`${testId}-sample`}
        />
      )}
    </Space>
  );
}

export interface AbResultProps {
  arms: AbArm[];
  /** null: nobody was kept out, so there is no increment to show, only the arms against each other. */
  holdout: AbHoldout | null;
  analysis: SplitAnalysis | null;
  title: string;
  intro: string;
  /** How sentences name the first arm, the one the others are compared with. */
  control: string;
  words: AbWords;
  /** Prefix of every test id, so several results on one page stay apart. */
  testId: string;
  t: TFunction;
}

/**
 * A random split read as an A/B test: each arm (and the holdout) with its own increment over the holdout,
 * conversion per arm with its interval, and the arms against the first with the experiments' statistics.
 */
export function AbResult({ arms, holdout, analysis: a, title, intro, control, words, testId, t }: AbResultProps) {
  const rows: ArmRow[] = useMemo(
    () => [
      ...(holdout
        ? [
            {
              id: 'holdout',
              key: 'holdout',
              label: t(words.holdoutRow),
              holdout: true,
              people: holdout.people,
              delivered: null,
              clicked: null,
              buyers: holdout.buyers,
              conversion: holdout.conversion,
              ci: wilsonInterval(holdout.buyers, holdout.people),
              revenueFen: holdout.revenueFen,
              revenuePerPersonFen: holdout.revenuePerPersonFen,
              incremental: undefined,
            },
          ]
        : []),
      // An arm may be keyed "holdout" too; the row id keeps the two apart.
      ...arms.map((v) => ({
        id: `arm:${v.key}`,
        key: v.key,
        label: v.label,
        holdout: false,
        people: v.people,
        delivered: v.delivered ?? null,
        clicked: v.clicked ?? null,
        buyers: v.buyers,
        conversion: v.conversion,
        ci: wilsonInterval(v.buyers, v.people),
        revenueFen: v.revenueFen,
        revenuePerPersonFen: v.revenuePerPersonFen,
        incremental: v.incremental,
      })),
    ],
    [arms, holdout, words, t],
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
  const shares = weightShares(arms);
  const conf = confidenceText(alphaPerComparison(arms.length));
  const funnel = arms.some((v) => v.delivered !== undefined);
  const num = (n: number | null) => (n === null ? <span className="muted">-</span> : n.toLocaleString('en-US'));

  const columns: TableColumnsType<ArmRow> = [
    {
      title: t('msg.ab.arm'),
      key: 'arm',
      render: (_, x) => {
        const i = x.holdout ? -1 : arms.findIndex((v) => v.key === x.key);
        return (
          <div>
            <div style={{ fontWeight: 500 }}>{x.label}</div>
            {i >= 0 && (
              <div className="muted" style={{ fontSize: 12 }}>
                {t(words.share, { pct: shares[i] ?? 0 })}
                {i === 0 ? ` · ${t('msg.ab.control')}` : ''}
              </div>
            )}
          </div>
        );
      },
    },
    { title: t(words.people), dataIndex: 'people', align: 'right', render: num },
    ...(funnel
      ? ([
          { title: t('msg.result.delivered'), dataIndex: 'delivered', align: 'right', render: num },
          { title: t('msg.result.clicked'), dataIndex: 'clicked', align: 'right', render: num },
        ] satisfies TableColumnsType<ArmRow>)
      : []),
    { title: t(words.buyers), dataIndex: 'buyers', align: 'right', render: num },
    {
      title: t('msg.result.conversion'),
      key: 'conversion',
      align: 'right',
      render: (_, x) => (
        <div>
          <div data-testid={`${testId}-conversion-${x.key}`}>{pctText(x.conversion)}</div>
          {x.ci && <div className="muted" style={{ fontSize: 12, whiteSpace: 'nowrap' }}>{t('exp.r.ci95', { low: pctText(x.ci.lower), high: pctText(x.ci.upper) })}</div>}
        </div>
      ),
    },
    { title: t(words.revenue), dataIndex: 'revenueFen', align: 'right', render: (v: number) => money(v) },
    { title: t(words.perPerson), dataIndex: 'revenuePerPersonFen', align: 'right', render: (v: number) => money(v) },
    ...(holdout
      ? ([
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
                <div data-testid={`${testId}-incremental-${x.key}`}>
                  <div style={{ fontWeight: 500, color: x.incremental.low > 0 ? '#2fc25b' : x.incremental.high < 0 ? '#d4380d' : undefined }}>{money(x.incremental.estimate)}</div>
                  <div className="muted" style={{ fontSize: 12, whiteSpace: 'nowrap' }}>{t('msg.result.interval', { low: money(x.incremental.low), high: money(x.incremental.high) })}</div>
                </div>
              ),
          },
        ] satisfies TableColumnsType<ArmRow>)
      : []),
  ];

  return (
    <div className="msg-ab-result" data-testid={`${testId}-result`}>
      <h3 className="page-title" style={{ fontSize: 15, margin: '8px 0' }}>{title}</h3>
      <p className="muted msg-note">{intro}</p>
      <Row gutter={[24, 16]}>
        <Col xs={24} xl={12}>
          {a ? <Verdict arms={arms} a={a} control={control} words={words} testId={testId} t={t} /> : <Alert type="info" showIcon title={t(words.noAnalysis)} data-testid={`${testId}-no-analysis`} />}
        </Col>
        <Col xs={24} xl={12}>
          <h4 className="stat-label" style={{ margin: '0 0 4px' }}>{t('exp.r.chartArms')}</h4>
          <Chart option={chart} height={240} label={t('msg.ab.chartLabel', { list: rows.map((x) => `${x.label} ${pctText(x.conversion)}`).join(t('common.listSep')) })} testId={`${testId}-chart`} />
        </Col>
      </Row>

      <Table<ArmRow>
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={rows}
        scroll={{ x: funnel ? 1000 : 860 }}
        className="msg-ab-table"
        style={{ marginTop: 16 }}
        rowClassName={(x) => (x.holdout ? 'msg-ab-holdout-row' : '')}
        onRow={(x) => ({ 'data-testid': `${testId}-arm-${x.key}` }) as React.HTMLAttributes<HTMLElement>}
        data-testid={`${testId}-arms`}
        columns={columns}
      />

      {a && (
        <div style={{ marginTop: 16 }} data-testid={`${testId}-comparisons`}>
          <h4 className="stat-label" style={{ margin: '0 0 4px' }}>{t(words.compare, { name: control })}</h4>
          <p className="muted" style={{ fontSize: 12, margin: '0 0 8px' }}>{t(words.compareIntro, { conf })}</p>
          <ComparisonTable
            r={{ experiment: { variants: arms.map((v) => ({ key: v.key, name: v.label })) }, arms }}
            a={{ alphaPerComparison: alphaPerComparison(arms.length), primaryMetric: 'conversion', comparisons: a.comparisons }}
            cuped={false}
            t={t}
          />
        </div>
      )}
    </div>
  );
}

const armLabel = (v: Pick<BroadcastVariantResult, 'key' | 'name'>) => `${variantLetter(v.key)} · ${v.name}`;

/** 群发 A/B 测试的结果: the broadcast's variants against the holdout nobody was sent to. */
export default function VariantResult({ r, t }: { r: BroadcastResult & { variants: BroadcastVariantResult[] }; t: TFunction }) {
  const h = r.arms.holdout;
  const arms: AbArm[] = useMemo(
    () =>
      r.variants.map((v) => ({
        key: v.key,
        label: armLabel(v),
        weight: v.weight,
        people: v.recipients,
        delivered: v.delivered,
        clicked: v.clicked,
        buyers: v.buyers,
        revenueFen: v.revenueFen,
        conversion: v.conversion,
        revenuePerPersonFen: v.revenuePerRecipientFen,
        incremental: v.incrementalRevenueFen,
      })),
    [r.variants],
  );
  const holdout: AbHoldout = useMemo(
    () => ({ people: h.recipients, buyers: h.buyers, revenueFen: h.revenueFen, conversion: r.conversion.holdout, revenuePerPersonFen: r.revenuePerRecipientFen.holdout }),
    [h, r.conversion.holdout, r.revenuePerRecipientFen.holdout],
  );
  const control = variantLetter(r.variants[0]!.key);
  return (
    <AbResult
      arms={arms}
      holdout={holdout}
      analysis={r.analysis}
      title={t('msg.ab.result')}
      intro={t('msg.ab.resultIntro', { control })}
      control={control}
      words={BROADCAST_AB_WORDS}
      testId="broadcast-ab"
      t={t}
    />
  );
}
