import type { ReactNode } from 'react';
import { Card, Col, Row, Statistic, Table, type TableProps } from 'antd';

/** The parts the 分销 / 团长 / 邀请有礼 overviews share: stat cards, titled sections, the 30-day chart beside the ranking. */

/** One figure in an outlined card; `warn` shows it in amber; `children` go under it (a link). */
export function StatCard({ testId, title, value, warn, loading, children }: { testId: string; title: ReactNode; value: string | number; warn?: boolean; loading?: boolean; children?: ReactNode }) {
  return (
    <Card variant="outlined" className="promo-stats" data-testid={testId} loading={loading}>
      <Statistic title={<span className="stat-label">{title}</span>} value={value} styles={warn ? { content: { color: '#d48806' } } : undefined} />
      {children}
    </Card>
  );
}

/** A page card under a small heading. */
export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="page-card">
      <h2 className="page-title" style={{ fontSize: 16 }}>
        {title}
      </h2>
      {children}
    </div>
  );
}

/** A small ranking table, its first column the place (1, 2, …). */
export function RankingTable<T extends { customerId: string }>({ dataSource, testId, emptyText, columns }: { dataSource: T[]; testId: string; emptyText: string; columns: NonNullable<TableProps<T>['columns']> }) {
  return (
    <Table<T>
      size="small"
      rowKey="customerId"
      pagination={false}
      dataSource={dataSource}
      data-testid={testId}
      locale={{ emptyText: <span className="muted">{emptyText}</span> }}
      columns={[{ title: '#', key: 'rank', width: 40, render: (_, _r, i) => i + 1 }, ...columns]}
    />
  );
}

/** The last 30 days' chart (wide) beside the ranking (narrow). */
export function ChartBesideRanking({ chartTitle, chart, rankingTitle, ranking }: { chartTitle: string; chart: ReactNode; rankingTitle: string; ranking: ReactNode }) {
  return (
    <Row gutter={16}>
      <Col xs={24} xl={15}>
        <Section title={chartTitle}>{chart}</Section>
      </Col>
      <Col xs={24} xl={9}>
        <Section title={rankingTitle}>{ranking}</Section>
      </Col>
    </Row>
  );
}
