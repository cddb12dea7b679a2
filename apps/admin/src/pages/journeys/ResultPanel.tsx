import { useMemo } from 'react';
import { Alert, Card, Col, Descriptions, Empty, Row, Skeleton, Statistic } from 'antd';
import { useI18n } from '../../lib/i18n';
import { formatFen } from '../../lib/money';
import Chart from '../../components/Chart';
import { intervalOption } from '../messaging/charts';
import { pctText } from '../messaging/labels';
import { AbResult, type AbArm, type AbHoldout, type AbWords } from '../messaging/VariantResult';
import { journeyArmsOption, perCustomerFen, rate } from './charts';
import { nodeTypeText } from './labels';
import type { ArmResult, JourneyResult, SplitResult } from './types';

const money = (fen: number | null | undefined) => formatFen(fen === null || fen === undefined ? fen : Math.round(fen), true);

/** Which way the evidence points: the 95% interval above 0, below 0, across it, or too few people to say. */
export function verdictOf(r: JourneyResult): 'positive' | 'negative' | 'uncertain' | 'none' {
  if (!r.perCustomer) return 'none';
  const { low, high } = r.perCustomer;
  return low > 0 ? 'positive' : high < 0 ? 'negative' : 'uncertain';
}

function Arm({ arm, a }: { arm: 'treatment' | 'holdout'; a: ArmResult }) {
  const { t } = useI18n();
  return (
    <Card size="small" title={t(`jr.result.${arm}`)} className="msg-result-arm" data-testid={`jr-result-${arm}`}>
      <Descriptions
        size="small"
        column={2}
        items={[
          { key: 'c', label: t('jr.result.customers'), children: a.customers.toLocaleString() },
          { key: 'v', label: t('jr.result.converted'), children: a.converted.toLocaleString() },
          { key: 'r', label: t('jr.result.conversion'), children: <span data-testid={`jr-result-${arm}-conversion`}>{pctText(rate(a))}</span> },
          { key: 'o', label: t('jr.result.orders'), children: a.orders.toLocaleString() },
          { key: 'm', label: t('jr.result.revenue'), children: money(a.revenueFen) },
          { key: 'p', label: t('jr.result.revenuePerCustomer'), children: <span data-testid={`jr-result-${arm}-rpc`}>{money(perCustomerFen(a))}</span> },
        ]}
      />
    </Card>
  );
}

const SPLIT_WORDS: AbWords = {
  holdoutRow: 'jr.ab.holdoutRow',
  people: 'jr.result.customers',
  buyers: 'jr.result.converted',
  revenue: 'jr.result.revenue',
  perPerson: 'jr.result.revenuePerCustomer',
  share: 'jr.ab.share',
  compare: 'jr.ab.compare',
  compareIntro: 'jr.ab.compareIntro',
  verdictHint: 'jr.ab.verdictHint',
  srmText: 'jr.ab.srmText',
  tooFewUnknown: 'jr.ab.tooFewUnknown',
  noAnalysis: 'jr.ab.noAnalysis',
};

/** A random split read as an A/B test: its branches against the journey's holdout and against its first branch. */
function SplitSection({ split, holdout }: { split: SplitResult; holdout: AbHoldout | null }) {
  const { t, lang } = useI18n();
  const arms: AbArm[] = useMemo(
    () =>
      split.branches.map((b) => ({
        key: b.key,
        label: t('jr.ab.branch', { key: b.key }),
        weight: b.percent,
        people: b.customers,
        buyers: b.converted,
        revenueFen: b.revenueFen,
        conversion: b.conversion,
        revenuePerPersonFen: b.revenuePerCustomerFen,
        incremental: b.incrementalRevenueFen,
      })),
    [split.branches, t],
  );
  if (!arms.length) return null;
  const control = arms[0]!.key;
  return (
    <AbResult
      arms={arms}
      holdout={holdout}
      analysis={split.analysis}
      title={t('jr.ab.title', { node: `${nodeTypeText('random_split', lang)} ${split.nodeId}` })}
      intro={t(holdout ? 'jr.ab.intro' : 'jr.ab.introNoHoldout', { control })}
      control={control}
      words={SPLIT_WORDS}
      testId={`jr-split-${split.nodeId}`}
      t={t}
    />
  );
}

/** 效果: the journey's customers against its holdout, the incremental revenue per customer and its 95% interval, in plain words. */
export default function ResultPanel({ result, holdoutPercent, goalDays }: { result: JourneyResult | null | undefined; holdoutPercent: number; goalDays: number | null }) {
  const { t } = useI18n();
  const arms = useMemo(() => (result ? journeyArmsOption(result, t) : null), [result, t]);
  const inc = result?.perCustomer ?? null;
  const interval = useMemo(() => (inc ? intervalOption(inc, t) : null), [inc?.estimate, inc?.low, inc?.high, t]); // eslint-disable-line react-hooks/exhaustive-deps
  const h = result?.holdout;
  // Without a holdout the branches can only be compared with each other, not measured.
  const splitHoldout: AbHoldout | null = useMemo(
    () => (!h || (holdoutPercent === 0 && !h.customers) ? null : { people: h.customers, buyers: h.converted, revenueFen: h.revenueFen, conversion: rate(h), revenuePerPersonFen: perCustomerFen(h) }),
    [h, holdoutPercent],
  );

  if (result === undefined) return <Skeleton active />;
  if (!result || result.treatment.customers + result.holdout.customers === 0) return <Empty description={t('jr.result.empty')} data-testid="jr-result-empty" />;

  const verdict = verdictOf(result);
  const total = (inc?.estimate ?? 0) * result.treatment.customers;
  const diffPts = ((rate(result.treatment) - rate(result.holdout)) * 100).toFixed(2);

  return (
    <div data-testid="jr-result">
      <p className="muted msg-note">{goalDays ? t('jr.result.intro', { days: goalDays, n: holdoutPercent }) : t('jr.result.introNoGoal', { n: holdoutPercent })}</p>
      <Row gutter={[16, 16]}>
        <Col xs={24} md={12}>
          <Arm arm="treatment" a={result.treatment} />
        </Col>
        <Col xs={24} md={12}>
          {holdoutPercent === 0 && !result.holdout.customers ? (
            <Card size="small" title={t('jr.result.holdout')}>
              <span className="muted">{t('jr.result.noHoldout')}</span>
            </Card>
          ) : (
            <Arm arm="holdout" a={result.holdout} />
          )}
        </Col>
      </Row>
      <Card size="small" style={{ marginTop: 16 }}>
        <Chart option={arms!} height={260} label={t('jr.result.chartLabel', { a: pctText(rate(result.treatment)), b: pctText(rate(result.holdout)), diff: diffPts })} testId="jr-result-chart" />
      </Card>
      <Card size="small" title={t('jr.result.incremental')} style={{ marginTop: 16 }} data-testid="jr-result-incremental">
        {!inc ? (
          <Alert type="info" showIcon title={t('jr.result.noEstimate')} data-testid="jr-verdict-none" />
        ) : (
          <>
            <Row gutter={16} align="middle">
              <Col xs={24} md={8}>
                <Statistic title={t('jr.result.perCustomer')} value={money(inc.estimate)} data-testid="jr-result-incremental-estimate" />
                <div className="muted" style={{ marginTop: 4 }} data-testid="jr-result-interval">
                  {t('msg.result.interval', { low: money(inc.low), high: money(inc.high) })}
                </div>
                <div className="muted" style={{ marginTop: 4 }}>{t('jr.result.total', { total: money(total), n: result.treatment.customers.toLocaleString() })}</div>
              </Col>
              <Col xs={24} md={16}>
                <Chart option={interval!} height={120} label={t('msg.result.intervalLabel', { estimate: money(inc.estimate), low: money(inc.low), high: money(inc.high) })} testId="jr-result-interval-chart" />
              </Col>
            </Row>
          </>
        )}
        <div style={{ marginTop: 12 }} data-testid="jr-verdict" data-verdict={verdict}>
          {verdict === 'positive' ? (
            <Alert type="success" showIcon title={t('jr.verdict.positive', { low: money(inc!.low), diff: diffPts })} />
          ) : verdict === 'negative' ? (
            <Alert type="error" showIcon title={t('jr.verdict.negative')} description={t('jr.verdict.negativeHint')} />
          ) : verdict === 'uncertain' ? (
            <Alert type="warning" showIcon title={t('jr.verdict.uncertain')} description={t('jr.verdict.uncertainHint', { n: result.treatment.customers })} />
          ) : null}
        </div>
      </Card>
      {result.splits.map((sp) => (
        <SplitSection key={sp.nodeId} split={sp} holdout={splitHoldout} />
      ))}
    </div>
  );
}
