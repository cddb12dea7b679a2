import { useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { Button, Card, Col, Popconfirm, QRCode, Row, Select, Skeleton, Space, Statistic, Table, Tabs, Tag, Typography, type TableProps } from 'antd';
import { DownloadOutlined, EditOutlined } from '@ant-design/icons';
import { COUPON_STATUSES } from '@siyu/contracts';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { couponLabel } from '../../lib/promo-label';
import { useAuth } from '../../lib/auth';
import { formatFen } from '../../lib/money';
import { fmtTime } from '../../lib/format';
import { LoadError } from '../../components/Results';
import type { CouponTemplate, IssuedCoupon, Paged } from '../../lib/types';
import { audienceText, changeStatus, CouponKindTag, PromotionStatusTag, scopeText, validityText } from './shared';
import IssuePanel from './IssuePanel';
import './promotions.css';

const COUPON_STATUS_COLORS: Record<IssuedCoupon['status'], string> = { unused: 'blue', used: 'green', expired: 'default', revoked: 'red' };

/** 优惠券详情: results, the claim link and its QR code for posters, issued coupons, and 定向发券. */
export default function CouponDetail() {
  const { id } = useParams();
  const { t, lang } = useI18n();
  const { can } = useAuth();
  const navigate = useNavigate();
  const { data: c, error, reload, setData } = useApi<CouponTemplate>(`/coupons/${id}`);
  const [tab, setTab] = useState('coupons');
  const [busy, setBusy] = useState(false);

  if (error) return <LoadError error={error} onRetry={reload} />;
  if (!c) return <div className="page-card"><Skeleton active /></div>;

  const writable = can('promotions:write');
  const act = async (action: 'pause' | 'resume' | 'end') => {
    setBusy(true);
    const res = await changeStatus<CouponTemplate>(`/coupons/${c.id}`, action, t);
    setBusy(false);
    if (res) setData(res);
  };
  const useRate = c.stats.issued ? `${((c.stats.used / c.stats.issued) * 100).toFixed(1)}%` : '-';
  const stats: { key: string; label: string; value: string | number }[] = [
    { key: 'issued', label: t('coupon.stats.issued'), value: c.stats.issued },
    { key: 'used', label: t('coupon.stats.used'), value: c.stats.used },
    { key: 'useRate', label: t('coupon.stats.useRate'), value: useRate },
    { key: 'orders', label: t('coupon.stats.orders'), value: c.stats.orders },
    { key: 'revenue', label: t('coupon.stats.revenue'), value: formatFen(c.stats.revenueFen, true) },
    { key: 'discount', label: t('coupon.stats.discount'), value: formatFen(c.stats.discountFen, true) },
  ];

  return (
    <div>
      <div className="page-card">
        <div className="promo-head">
          <div>
            <Space size={8} wrap>
              <h1 data-testid="coupon-detail-name">{c.name}</h1>
              <CouponKindTag kind={c.kind} />
              <PromotionStatusTag status={c.status} />
            </Space>
            <div className="promo-meta">
              <span data-testid="coupon-detail-label">{couponLabel(c, lang)}</span>
              <span>{scopeText(c.scope, t)}</span>
              <span>
                {t('coupon.validity')}: {validityText(c.validity, t)}
              </span>
              <span>
                {t('coupon.issuedOfTotal')}: {c.issuedCount} / {c.totalQuantity}
              </span>
              <span>{t('coupon.perCustomerText', { n: c.perCustomerLimit })}</span>
              {c.audience !== 'all' && <span data-testid="coupon-detail-audience">{audienceText(c.audience, t)}</span>}
              <span>{c.stacksWithActivities ? t('coupon.stacksYes') : t('coupon.stacksNo')}</span>
              <span>{c.claimable ? t('coupon.inCentre') : t('coupon.notInCentre')}</span>
            </div>
            {c.description && <div className="muted" style={{ marginTop: 6 }}>{c.description}</div>}
          </div>
          <span className="spacer" />
          {writable && (
            <Space wrap>
              {c.status !== 'ended' && (
                <Button icon={<EditOutlined />} onClick={() => navigate(`/coupons/${c.id}/edit`)} data-testid="coupon-detail-edit">
                  {t('common.edit')}
                </Button>
              )}
              {c.status === 'active' && (
                <Popconfirm title={t('coupon.pauseConfirm')} onConfirm={() => act('pause')} okText={t('common.confirm')} cancelText={t('common.cancel')}>
                  <Button loading={busy} data-testid="coupon-detail-pause">{t('promo.action.pause')}</Button>
                </Popconfirm>
              )}
              {c.status === 'paused' && (
                <Popconfirm title={t('coupon.resumeConfirm')} onConfirm={() => act('resume')} okText={t('common.confirm')} cancelText={t('common.cancel')}>
                  <Button loading={busy} data-testid="coupon-detail-resume">{t('promo.action.resume')}</Button>
                </Popconfirm>
              )}
              {c.status !== 'ended' && (
                <Popconfirm title={t('coupon.endConfirm')} onConfirm={() => act('end')} okText={t('promo.action.end')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }}>
                  <Button danger data-testid="coupon-detail-end">{t('promo.action.end')}</Button>
                </Popconfirm>
              )}
            </Space>
          )}
        </div>
      </div>

      <Row gutter={16}>
        <Col flex="auto" style={{ minWidth: 0 }}>
          <Card variant="borderless" title={t('coupon.stats')} className="promo-stats" style={{ marginBottom: 16 }}>
            <Row gutter={[16, 16]}>
              {stats.map((s) => (
                <Col key={s.key} span={8}>
                  <Statistic title={<span className="stat-label">{s.label}</span>} value={s.value} data-testid={`coupon-stat-${s.key}`} />
                </Col>
              ))}
            </Row>
          </Card>
        </Col>
        <Col flex="420px">
          <ClaimLink coupon={c} />
        </Col>
      </Row>

      <div className="page-card">
        <Tabs
          activeKey={tab}
          onChange={setTab}
          items={[
            { key: 'coupons', label: t('coupon.issuedTab'), children: <IssuedCoupons templateId={c.id} /> },
            ...(can('promotions:issue') ? [{ key: 'issue', label: t('coupon.issueTab'), children: <IssuePanel coupon={c} onIssued={reload} /> }] : []),
          ]}
          data-testid="coupon-detail-tabs"
        />
      </div>
    </div>
  );
}

/** The claim link as text (copyable) and as a QR code (downloadable PNG for posters). */
function ClaimLink({ coupon }: { coupon: CouponTemplate }) {
  const { t } = useI18n();
  const url = window.location.origin + coupon.claimPath;
  const big = useRef<HTMLDivElement>(null);
  const download = () => {
    const src = big.current?.querySelector('canvas');
    if (!src) return;
    // A white quiet zone around the code, so it scans when placed on a coloured poster.
    const pad = Math.round(src.width / 12);
    const out = document.createElement('canvas');
    out.width = src.width + pad * 2;
    out.height = src.height + pad * 2;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(src, pad, pad);
    const a = document.createElement('a');
    a.href = out.toDataURL('image/png');
    a.download = `${coupon.name}-qrcode.png`;
    document.body.appendChild(a);
    a.click();
    a.remove();
  };
  return (
    <Card variant="borderless" title={t('coupon.claimLink')} style={{ marginBottom: 16 }} data-testid="coupon-claim-card">
      <div style={{ display: 'flex', gap: 16, alignItems: 'flex-start' }}>
        <div className="claim-qr">
          <QRCode value={url} size={132} bordered={false} type="canvas" aria-label={t('coupon.qrCode')} role="img" data-testid="coupon-qr" />
        </div>
        <div style={{ minWidth: 0, flex: 1 }}>
          <Typography.Paragraph copyable={{ text: url, tooltips: [t('common.copy'), t('common.copied')] }} style={{ wordBreak: 'break-all' }} data-testid="coupon-claim-url">
            {url}
          </Typography.Paragraph>
          <div className="muted" style={{ fontSize: 12, marginBottom: 12 }}>
            {t('coupon.claimHint')}
          </div>
          <Button icon={<DownloadOutlined />} onClick={download} data-testid="coupon-qr-download">
            {t('coupon.downloadQr')}
          </Button>
        </div>
      </div>
      {/* The printable code: drawn large off screen so a poster gets a sharp PNG. */}
      <div ref={big} aria-hidden style={{ position: 'absolute', left: -10000, top: 0 }}>
        <QRCode value={url} size={720} bordered={false} type="canvas" errorLevel="M" />
      </div>
    </Card>
  );
}

function IssuedCoupons({ templateId }: { templateId: string }) {
  const { t } = useI18n();
  const { can } = useAuth();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(10);
  const [status, setStatus] = useState<string | undefined>();
  const { data, loading } = useApi<Paged<IssuedCoupon>>(`/coupons/${templateId}/coupons`, { page, pageSize, status });
  const columns: TableProps<IssuedCoupon>['columns'] = [
    {
      title: t('coupon.customer'),
      key: 'customer',
      render: (_, r) => {
        const text = [r.customerName, r.customerPhone].filter(Boolean).join(' · ') || r.customerId.slice(0, 8);
        return can('customers:read') ? <Link to={`/customers/${r.customerId}`}>{text}</Link> : text;
      },
    },
    { title: t('coupon.source'), dataIndex: 'source', width: 120, render: (s: IssuedCoupon['source']) => t(`coupon.source.${s}`) },
    { title: t('common.status'), dataIndex: 'status', width: 90, render: (s: IssuedCoupon['status']) => <Tag color={COUPON_STATUS_COLORS[s]}>{t(`coupon.couponStatus.${s}`)}</Tag> },
    { title: t('coupon.receivedAt'), dataIndex: 'createdAt', width: 170, render: fmtTime },
    { title: t('coupon.validTo'), dataIndex: 'validTo', width: 170, render: fmtTime },
    { title: t('coupon.usedAt'), dataIndex: 'usedAt', width: 170, render: fmtTime },
    { title: t('order.no'), dataIndex: 'orderNo', width: 200, render: (no: string | null, r) => (no && r.orderId ? <Link to={`/orders/${r.orderId}`}>{no}</Link> : '-') },
  ];
  return (
    <div>
      <div className="toolbar">
        <Select
          allowClear
          style={{ width: 160 }}
          placeholder={t('common.status')}
          aria-label={t('common.status')}
          value={status}
          onChange={(v) => {
            setStatus(v);
            setPage(1);
          }}
          options={COUPON_STATUSES.map((s) => ({ value: s, label: t(`coupon.couponStatus.${s}`) }))}
          data-testid="issued-status-filter"
        />
      </div>
      <Table<IssuedCoupon>
        size="small"
        rowKey="id"
        loading={loading}
        columns={columns}
        dataSource={data?.items ?? []}
        data-testid="issued-coupons"
        pagination={{
          current: page,
          pageSize,
          total: data?.total ?? 0,
          showSizeChanger: true,
          showTotal: (n) => t('common.total', { n }),
          onChange: (p, s) => {
            setPage(p);
            setPageSize(s);
          },
        }}
      />
    </div>
  );
}
