import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Card, Progress, Space, Table, Tag, Upload } from 'antd';
import { DownloadOutlined, InboxOutlined } from '@ant-design/icons';
import { api, downloadUrl } from '../../lib/api';
import { showError } from '../../lib/feedback';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import { fmtTime } from '../../lib/format';

interface ImportRecord {
  id: string;
  fileName: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  total: number;
  processed: number;
  succeeded: number;
  failed: number;
  productsCreated: number;
  productsUpdated: number;
  errors: { row: number; field: string; code: string; message: string }[];
  failure: string | null;
  createdBy: string | null;
  createdAt: string;
  finishedAt: string | null;
}

const STATUS_COLORS = { queued: 'default', running: 'processing', done: 'success', failed: 'error' } as const;
const finished = (r: ImportRecord) => r.status === 'done' || r.status === 'failed';

export default function ImportPage() {
  const { t } = useI18n();
  const [current, setCurrent] = useState<ImportRecord | null>(null);
  const [uploading, setUploading] = useState(false);
  const recent = useApi<{ items: ImportRecord[] }>('/catalog/imports');
  const timer = useRef<number | null>(null);

  // Poll the import until the background job finishes.
  useEffect(() => {
    if (!current || finished(current)) return;
    timer.current = window.setTimeout(async () => {
      try {
        setCurrent(await api.get<ImportRecord>(`/catalog/imports/${current.id}`));
      } catch (err) {
        showError(err);
      }
    }, 800);
    return () => {
      if (timer.current) window.clearTimeout(timer.current);
    };
  }, [current]);

  useEffect(() => {
    if (current && finished(current)) recent.reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [current?.status]);

  const percent = current ? (current.total ? Math.floor((current.processed / current.total) * 100) : finished(current) ? 100 : 0) : 0;

  return (
    <div>
      <Card variant="borderless" title={t('import.title')} style={{ marginBottom: 16 }}>
        <Alert type="info" showIcon title={t('import.steps')} style={{ marginBottom: 16 }} />
        <Space style={{ marginBottom: 16 }}>
          <Button icon={<DownloadOutlined />} href={downloadUrl('/catalog/import-template.xlsx')} data-testid="import-template">
            {t('import.template')}
          </Button>
        </Space>
        <Upload.Dragger
          accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
          showUploadList={false}
          disabled={uploading || (current !== null && !finished(current))}
          customRequest={async ({ file, onSuccess, onError }) => {
            setUploading(true);
            try {
              const rec = await api.upload<ImportRecord>('/catalog/imports', file as File);
              setCurrent(rec);
              onSuccess?.(rec);
            } catch (err) {
              showError(err);
              onError?.(err as Error);
            } finally {
              setUploading(false);
            }
          }}
          data-testid="import-upload"
        >
          <p className="ant-upload-drag-icon">
            <InboxOutlined />
          </p>
          <p className="ant-upload-text">{t('import.dragHint')}</p>
        </Upload.Dragger>

        {current && (
          <div style={{ marginTop: 24 }} data-testid="import-result" data-status={current.status}>
            <Space style={{ marginBottom: 8 }}>
              <strong>{current.fileName}</strong>
              <Tag color={STATUS_COLORS[current.status]} data-testid="import-status">
                {t(`import.status.${current.status}`)}
              </Tag>
            </Space>
            <Progress
              percent={percent}
              status={current.status === 'failed' ? 'exception' : finished(current) ? (current.failed ? 'normal' : 'success') : 'active'}
              data-testid="import-progress"
              aria-label={t('import.progress')}
            />
            <div className="muted" data-testid="import-summary">
              {t('import.summary', { total: current.total, processed: current.processed, succeeded: current.succeeded, failed: current.failed })}
              {finished(current) && ` · ${t('import.created', { n: current.productsCreated })} · ${t('import.updatedProducts', { n: current.productsUpdated })}`}
            </div>
            {current.failure && <Alert type="error" showIcon title={current.failure} style={{ marginTop: 12 }} />}
            {current.errors.length > 0 && (
              <div style={{ marginTop: 16 }}>
                <div className="toolbar">
                  <strong>{t('import.errors')}</strong>
                  <span className="spacer" />
                  <Button icon={<DownloadOutlined />} href={downloadUrl(`/catalog/imports/${current.id}/errors.xlsx`)} data-testid="import-error-report">
                    {t('import.errorReport')}
                  </Button>
                </div>
                <Table
                  size="small"
                  rowKey={(e) => `${e.row}-${e.field}-${e.code}`}
                  dataSource={current.errors}
                  pagination={{ pageSize: 10, hideOnSinglePage: true }}
                  onRow={(e) => ({ 'data-testid': 'import-error-row', 'data-row': e.row }) as React.HTMLAttributes<HTMLElement>}
                  columns={[
                    { title: t('import.row'), dataIndex: 'row', width: 80 },
                    { title: t('import.field'), dataIndex: 'field', width: 140 },
                    { title: t('import.message'), dataIndex: 'message' },
                  ]}
                />
              </div>
            )}
          </div>
        )}
      </Card>

      <Card variant="borderless" title={t('import.recent')}>
        <Table<ImportRecord>
          size="small"
          rowKey="id"
          loading={recent.loading}
          dataSource={recent.data?.items ?? []}
          pagination={false}
          columns={[
            { title: t('import.file'), dataIndex: 'fileName' },
            { title: t('common.status'), dataIndex: 'status', width: 100, render: (s: ImportRecord['status']) => <Tag color={STATUS_COLORS[s]}>{t(`import.status.${s}`)}</Tag> },
            { title: t('import.counts'), key: 'counts', render: (_, r) => `${r.succeeded} / ${r.total}` + (r.failed ? ` (${r.failed} ✕)` : '') },
            { title: t('import.by'), dataIndex: 'createdBy', width: 120 },
            { title: t('common.createdAt'), dataIndex: 'createdAt', width: 170, render: fmtTime },
            {
              title: t('common.actions'),
              key: 'a',
              width: 200,
              render: (_, r) => (
                <Space size={4}>
                  <Button type="link" size="small" onClick={() => setCurrent(r)}>
                    {t('common.view')}
                  </Button>
                  {r.failed > 0 && (
                    <Button type="link" size="small" href={downloadUrl(`/catalog/imports/${r.id}/errors.xlsx`)}>
                      {t('import.errorReport')}
                    </Button>
                  )}
                </Space>
              ),
            },
          ]}
        />
      </Card>
    </div>
  );
}
