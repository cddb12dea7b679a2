import { useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Button, Card, Form, Input, InputNumber, Progress, Radio, Space, Table, Tag, Upload } from 'antd';
import { DeleteOutlined, DownloadOutlined, UploadOutlined } from '@ant-design/icons';
import { CouponIssueBody } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { applyApiError, validateBody, zodRule } from '../../lib/form';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { fmtTime } from '../../lib/format';
import type { CouponBatch, CouponTemplate } from '../../lib/types';
import { collectPhones, readFirstColumn, saveBlob, writeXlsx } from './sheet';

type Segment = 'all_customers' | 'never_ordered' | 'ordered';
interface Values {
  targetType: 'phones' | 'segment';
  phonesText?: string;
  segment: Segment;
  quantityEach?: number | null;
}

const BATCH_COLORS = { queued: 'default', running: 'processing', done: 'success', failed: 'error' } as const;
const finished = (b: CouponBatch) => b.status === 'done' || b.status === 'failed';

/** 定向发券: phones (typed or from a spreadsheet) or a customer segment; the issue runs as a job we poll. */
export default function IssuePanel({ coupon, onIssued }: { coupon: CouponTemplate; onIssued: () => void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<Values>();
  const [file, setFile] = useState<{ name: string; entries: string[] } | null>(null);
  const [reading, setReading] = useState(false);
  const [sending, setSending] = useState(false);
  const [current, setCurrent] = useState<CouponBatch | null>(null);
  const batches = useApi<{ items: CouponBatch[] }>(`/coupons/${coupon.id}/batches`);
  const requestKey = useRef(crypto.randomUUID());
  const timer = useRef<number | null>(null);

  const targetType = Form.useWatch('targetType', form) ?? 'phones';
  const phonesText = Form.useWatch('phonesText', form) ?? '';
  const segment = Form.useWatch('segment', form) ?? 'all_customers';
  const quantityEach = Form.useWatch('quantityEach', form) ?? 1;
  const parsed = useMemo(() => collectPhones([...phonesText.split(/[\s,,;;、]+/), ...(file?.entries ?? [])]), [phonesText, file]);

  // Poll the batch every second until the job is done.
  useEffect(() => {
    if (!current || finished(current)) return;
    timer.current = window.setTimeout(async () => {
      try {
        setCurrent(await api.get<CouponBatch>(`/coupon-batches/${current.id}`));
      } catch (err) {
        showError(err);
      }
    }, 1000);
    return () => {
      if (timer.current) window.clearTimeout(timer.current);
    };
  }, [current]);

  useEffect(() => {
    if (current && finished(current)) {
      batches.reload();
      onIssued();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [current?.status]);

  const blocked = coupon.status !== 'active';
  const running = !!current && !finished(current);

  const send = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    const v = form.getFieldsValue(true) as Values;
    if (v.targetType === 'phones' && parsed.phones.length === 0) {
      form.setFields([{ name: 'phonesText', errors: [t('issue.noPhones')] }]);
      return;
    }
    const body = {
      target: v.targetType === 'phones' ? { type: 'phones' as const, phones: parsed.phones } : { type: 'segment' as const, segment: v.segment },
      quantityEach: v.quantityEach ?? 1,
    };
    const fieldMap = { 'target.phones': 'phonesText', 'target.segment': 'segment', target: v.targetType === 'phones' ? 'phonesText' : 'segment' };
    // Phones are checked one by one above; an issue naming a phone goes on the text box.
    for (let i = 0; i < parsed.phones.length; i++) (fieldMap as Record<string, string>)[`target.phones.${i}`] = 'phonesText';
    if (!validateBody(form, CouponIssueBody, body, fieldMap)) return;
    const who = v.targetType === 'phones' ? t('issue.confirmPhones', { n: parsed.phones.length }) : t(`issue.segment.${v.segment}`);
    feedback.modal.confirm({
      title: t('issue.confirmTitle'),
      content: t('issue.confirmText', { who, n: body.quantityEach, name: coupon.name }),
      okText: t('issue.send'),
      cancelText: t('common.cancel'),
      onOk: async () => {
        setSending(true);
        try {
          const batch = await api.post<CouponBatch>(`/coupons/${coupon.id}/issue`, body, { headers: { 'Idempotency-Key': requestKey.current } });
          requestKey.current = crypto.randomUUID();
          setCurrent(batch);
          batches.reload();
          feedback.message.success(t('issue.started'));
        } catch (err) {
          if (!applyApiError(form, err, fieldMap)) showError(err);
        } finally {
          setSending(false);
        }
      },
    });
  };

  const downloadFailures = (b: CouponBatch) => {
    const rows = [[t('issue.failureRef'), t('common.reason')], ...b.failures.map((f) => [f.ref, f.reason])];
    saveBlob(writeXlsx(t('issue.failures'), rows), `${coupon.name}-${t('issue.failures')}-${b.createdAt.slice(0, 10)}.xlsx`);
  };

  const percent = current ? (current.total ? Math.floor((current.processed / current.total) * 100) : finished(current) ? 100 : 0) : 0;

  return (
    <div>
      {blocked && <Alert type="warning" showIcon title={t('issue.blocked')} style={{ marginBottom: 16 }} />}
      <Form<Values>
        form={form}
        layout="horizontal"
        labelCol={{ flex: '130px' }}
        name="couponIssue"
        initialValues={{ targetType: 'phones', phonesText: '', segment: 'all_customers', quantityEach: 1 }}
        disabled={blocked || running}
        style={{ maxWidth: 860 }}
        data-testid="issue-form"
      >
        <Form.Item name="targetType" label={t('issue.target')}>
          <Radio.Group data-testid="issue-target-type">
            <Radio value="phones">{t('issue.byPhones')}</Radio>
            <Radio value="segment">{t('issue.bySegment')}</Radio>
          </Radio.Group>
        </Form.Item>
        {targetType === 'phones' ? (
          <>
            <Form.Item name="phonesText" label={t('issue.phones')} extra={t('issue.phonesHint')}>
              <Input.TextArea rows={5} placeholder={'13800138000\n13900139000'} data-testid="issue-phones" />
            </Form.Item>
            <Form.Item label={t('issue.file')} extra={t('issue.fileHint')}>
              <Space wrap>
                <Upload
                  accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
                  showUploadList={false}
                  beforeUpload={async (f) => {
                    setReading(true);
                    try {
                      const entries = await readFirstColumn(f);
                      setFile({ name: f.name, entries });
                      form.setFields([{ name: 'phonesText', errors: [] }]);
                    } catch {
                      feedback.message.error(t('issue.fileUnreadable'));
                    } finally {
                      setReading(false);
                    }
                    return Upload.LIST_IGNORE;
                  }}
                >
                  <Button icon={<UploadOutlined />} loading={reading} data-testid="issue-file">
                    {t('issue.chooseFile')}
                  </Button>
                </Upload>
                {file && (
                  <Tag closable={false} data-testid="issue-file-name">
                    {file.name} · {t('issue.fileRows', { n: file.entries.length })}
                  </Tag>
                )}
                {file && <Button type="text" size="small" icon={<DeleteOutlined />} aria-label={`${t('common.delete')} ${file.name}`} onClick={() => setFile(null)} />}
              </Space>
            </Form.Item>
            <Form.Item label=" " colon={false}>
              <div data-testid="issue-phone-summary">
                <span>{t('issue.phoneCount', { n: parsed.phones.length })}</span>
                {parsed.invalid.length > 0 && (
                  <span className="muted">
                    {' · '}
                    {t('issue.invalidCount', { n: parsed.invalid.length })}: {parsed.invalid.slice(0, 5).join('、')}
                    {parsed.invalid.length > 5 ? '…' : ''}
                  </span>
                )}
              </div>
            </Form.Item>
          </>
        ) : (
          <Form.Item name="segment" label={t('issue.segment')}>
            <Radio.Group data-testid="issue-segment">
              {(['all_customers', 'never_ordered', 'ordered'] as const).map((s) => (
                <Radio key={s} value={s}>
                  {t(`issue.segment.${s}`)}
                </Radio>
              ))}
            </Radio.Group>
          </Form.Item>
        )}
        <Form.Item name="quantityEach" label={t('issue.quantityEach')} rules={[zodRule(CouponIssueBody.shape.quantityEach, (x) => x ?? undefined)]} extra={t('issue.quantityHint', { n: coupon.perCustomerLimit })}>
          <InputNumber min={1} max={10} precision={0} suffix={t('promo.sheetsUnit')} style={{ width: 160 }} data-testid="issue-quantity" />
        </Form.Item>
        <Form.Item label=" " colon={false}>
          <Button type="primary" loading={sending} onClick={send} data-testid="issue-send">
            {t('issue.send')}
          </Button>
          <span className="muted" style={{ marginLeft: 12 }}>
            {targetType === 'phones' ? t('issue.summaryPhones', { n: parsed.phones.length, q: quantityEach ?? 1 }) : t('issue.summarySegment', { who: t(`issue.segment.${segment}`), q: quantityEach ?? 1 })}
          </span>
        </Form.Item>
      </Form>

      {current && (
        <Card size="small" variant="outlined" title={t('issue.progressTitle')} style={{ marginBottom: 16, maxWidth: 860 }} data-testid="issue-result" data-status={current.status}>
          <Space style={{ marginBottom: 8 }} wrap>
            <strong>{current.target}</strong>
            <Tag color={BATCH_COLORS[current.status]} data-testid="issue-status">
              {t(`issue.status.${current.status}`)}
            </Tag>
          </Space>
          <Progress
            percent={percent}
            status={current.status === 'failed' ? 'exception' : finished(current) ? 'success' : 'active'}
            format={() => <span style={{ color: '#323233' }}>{`${current.processed} / ${current.total}`}</span>}
            aria-label={t('issue.progressTitle')}
            data-testid="issue-progress"
          />
          {finished(current) && (
            <div style={{ marginTop: 8 }} data-testid="issue-summary">
              {t('issue.doneSummary', { issued: current.issued, skipped: current.skipped })}
            </div>
          )}
          {finished(current) && current.failures.length > 0 && (
            <div style={{ marginTop: 12 }}>
              <div className="toolbar" style={{ marginBottom: 8 }}>
                <strong>{t('issue.failures')}</strong>
                <span className="spacer" />
                <Button icon={<DownloadOutlined />} onClick={() => downloadFailures(current)} data-testid="issue-failures-download">
                  {t('issue.downloadFailures')}
                </Button>
              </div>
              <Table
                size="small"
                rowKey={(f) => `${f.ref}-${f.reason}`}
                dataSource={current.failures}
                pagination={{ pageSize: 10, hideOnSinglePage: true, showSizeChanger: false }}
                data-testid="issue-failures"
                columns={[
                  { title: t('issue.failureRef'), dataIndex: 'ref', width: 220 },
                  { title: t('common.reason'), dataIndex: 'reason' },
                ]}
              />
            </div>
          )}
        </Card>
      )}

      <h2 style={{ fontSize: 15, fontWeight: 600, margin: '8px 0 12px' }}>{t('issue.history')}</h2>
      <Table<CouponBatch>
        size="small"
        rowKey="id"
        loading={batches.loading}
        dataSource={batches.data?.items ?? []}
        pagination={{ pageSize: 10, hideOnSinglePage: true, showSizeChanger: false }}
        data-testid="issue-batches"
        columns={[
          { title: t('common.createdAt'), dataIndex: 'createdAt', width: 170, render: fmtTime },
          { title: t('issue.target'), dataIndex: 'target' },
          { title: t('common.status'), dataIndex: 'status', width: 100, render: (s: CouponBatch['status']) => <Tag color={BATCH_COLORS[s]}>{t(`issue.status.${s}`)}</Tag> },
          { title: t('issue.total'), dataIndex: 'total', width: 90 },
          { title: t('issue.issued'), dataIndex: 'issued', width: 90 },
          { title: t('issue.skipped'), dataIndex: 'skipped', width: 90 },
          {
            title: t('common.actions'),
            key: 'a',
            width: 200,
            render: (_, b) => (
              <Space size={0}>
                <Button type="link" size="small" onClick={() => setCurrent(b)} data-testid={`issue-batch-view-${b.id}`}>
                  {t('common.view')}
                </Button>
                {finished(b) && b.failures.length > 0 && (
                  <Button type="link" size="small" onClick={() => downloadFailures(b)}>
                    {t('issue.downloadFailures')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
    </div>
  );
}
