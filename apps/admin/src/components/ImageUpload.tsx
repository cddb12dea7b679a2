import { useRef, useState } from 'react';
import { Image, Upload } from 'antd';
import { DeleteOutlined, LoadingOutlined, PlusOutlined } from '@ant-design/icons';
import { api } from '../lib/api';
import { showError } from '../lib/feedback';
import { useI18n } from '../lib/i18n';

interface Media {
  id: string;
  url: string;
}

/** Uploads through POST /api/admin/media and keeps a list of image URLs (controlled, for antd Form). */
export default function ImageUpload({ value, onChange, max = 9, id, testId = 'image-upload' }: { value?: string[]; onChange?: (v: string[]) => void; max?: number; id?: string; testId?: string }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const list = value ?? [];
  // Several files upload in parallel: each success appends to the latest list, not to the render's copy.
  const latest = useRef(list);
  latest.current = list;
  return (
    <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8 }}>
      {list.map((url, i) => (
        <div key={url + i} style={{ position: 'relative', width: 96, height: 96, border: '1px solid #ebedf0', borderRadius: 4, overflow: 'hidden' }}>
          <Image src={url} width={96} height={96} style={{ objectFit: 'cover' }} alt="" />
          <button
            type="button"
            aria-label={`${t('common.delete')} ${i + 1}`}
            onClick={() => onChange?.(list.filter((_, j) => j !== i))}
            style={{ position: 'absolute', top: 2, right: 2, border: 0, borderRadius: 2, background: 'rgba(0,0,0,.55)', color: '#fff', cursor: 'pointer', padding: '2px 4px' }}
          >
            <DeleteOutlined />
          </button>
        </div>
      ))}
      {list.length < max && (
        <Upload
          accept="image/png,image/jpeg,image/webp,image/gif"
          showUploadList={false}
          multiple
          customRequest={async ({ file, onSuccess, onError }) => {
            setBusy(true);
            try {
              const m = await api.upload<Media>('/media', file as File);
              const next = [...latest.current, m.url].slice(0, max);
              latest.current = next;
              onChange?.(next);
              onSuccess?.(m);
            } catch (err) {
              showError(err);
              onError?.(err as Error);
            } finally {
              setBusy(false);
            }
          }}
        >
          <button
            id={id}
            type="button"
            data-testid={testId}
            aria-label={t('common.uploadImage')}
            style={{ width: 96, height: 96, border: '1px dashed #c8c9cc', borderRadius: 4, background: '#fafafa', cursor: 'pointer', display: 'flex', flexDirection: 'column', alignItems: 'center', justifyContent: 'center', gap: 6, color: '#646566' }}
          >
            {busy ? <LoadingOutlined /> : <PlusOutlined />}
            <span style={{ fontSize: 12 }}>{busy ? t('common.uploading') : t('common.uploadImage')}</span>
          </button>
        </Upload>
      )}
    </div>
  );
}
