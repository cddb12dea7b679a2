import { useEffect, useState } from 'react';
import { Alert, Form, Modal, Select } from 'antd';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import type { CustomerGroup } from './audience';

/** 加入分组 from the customer list: static groups only (dynamic ones follow their conditions). */
export default function AddToGroupModal({ customer, onClose }: { customer: { id: string; label: string } | null; onClose: () => void }) {
  const { t } = useI18n();
  const groups = useApi<{ items: CustomerGroup[] }>(customer ? '/groups' : null);
  const [groupId, setGroupId] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    setGroupId(undefined);
    setError(null);
  }, [customer?.id]);

  const statics = (groups.data?.items ?? []).filter((g) => g.kind === 'static');

  const submit = async () => {
    if (!customer) return;
    if (!groupId) {
      setError(t('groups.chooseGroup'));
      return;
    }
    setSaving(true);
    try {
      const g = await api.post<CustomerGroup>(`/groups/${groupId}/members`, { customerIds: [customer.id] });
      feedback.message.success(t('groups.added', { name: g.name }));
      onClose();
    } catch (err) {
      showError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={!!customer}
      title={customer ? t('groups.addTitle', { name: customer.label }) : ''}
      onCancel={onClose}
      onOk={submit}
      confirmLoading={saving}
      okText={t('common.confirm')}
      cancelText={t('common.cancel')}
      okButtonProps={{ disabled: !statics.length, 'data-testid': 'add-to-group-ok' } as never}
    >
      {groups.data && !statics.length ? (
        <Alert type="info" showIcon title={t('groups.noStaticGroups')} />
      ) : (
        <Form layout="vertical" name="addToGroup">
          <Form.Item label={t('groups.chooseGroup')} required validateStatus={error ? 'error' : undefined} help={error ?? undefined}>
            <Select
              value={groupId}
              onChange={(v) => {
                setGroupId(v);
                setError(null);
              }}
              loading={groups.loading}
              placeholder={t('groups.chooseGroup')}
              options={statics.map((g) => ({ value: g.id, label: `${g.name}(${t('groups.people', { n: g.count })})` }))}
              data-testid="add-to-group-select"
            />
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}
