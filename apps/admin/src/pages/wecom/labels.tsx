import { Link } from 'react-router-dom';
import { Button, Tag, Tooltip, type TableProps } from 'antd';
import { WECOM_STAGE_LABELS, type WecomRelationStatus, type WecomStage } from '@siyu/contracts';
import { fmtTime } from '../../lib/format';
import { textLang, useI18n, type Lang } from '../../lib/i18n';
import type { CorpTag, Relation, StaffMember } from './types';

export const stageText = (s: WecomStage, lang: Lang) => WECOM_STAGE_LABELS[s]?.[textLang(lang)] ?? s;
const STAGE_COLORS: Record<WecomStage, string> = { pending: 'default', contacted: 'blue', interested: 'gold', won: 'green', lost: 'red' };
export function StageTag({ stage }: { stage: WecomStage }) {
  const { lang } = useI18n();
  return <Tag color={STAGE_COLORS[stage]}>{stageText(stage, lang)}</Tag>;
}

const STATUS_COLORS: Record<WecomRelationStatus, string> = { active: 'green', deleted_by_staff: 'orange', deleted_by_customer: 'red', transferred: 'default', taking_over: 'blue' };
export function RelationStatusTag({ status }: { status: WecomRelationStatus }) {
  const { t } = useI18n();
  return <Tag color={STATUS_COLORS[status]} data-testid="wecom-relation-status">{t(`wecom.rel.status.${status}`)}</Tag>;
}

/** WeCom's member status: 1 active, 2 disabled, 4 not yet activated, 5 left. */
export function StaffStatusTag({ s }: { s: Pick<StaffMember, 'status' | 'leftAt'> }) {
  const { t } = useI18n();
  if (s.status === 1) return <Tag color="green">{t('wecom.staff.status.1')}</Tag>;
  if (s.status === 5) return <Tooltip title={s.leftAt ? fmtTime(s.leftAt) : undefined}><Tag>{t('wecom.staff.status.5')}</Tag></Tooltip>;
  if (s.status === 2) return <Tag color="orange">{t('wecom.staff.status.2')}</Tag>;
  if (s.status === 4) return <Tag color="blue">{t('wecom.staff.status.4')}</Tag>;
  return <Tag>{s.status}</Tag>;
}

export function CorpTagList({ ids, tags }: { ids: string[]; tags: Map<string, CorpTag> }) {
  if (!ids.length) return <span className="muted">-</span>;
  return (
    <span className="wecom-tags">
      {ids.map((id) => {
        const tag = tags.get(id);
        return (
          <Tooltip key={id} title={tag?.groupName}>
            <Tag>{tag?.name ?? id}</Tag>
          </Tooltip>
        );
      })}
    </span>
  );
}

/** The customer cell: WeCom's name, and the Siyu customer it is linked to (by unionid or phone). */
export function ContactCell({ r }: { r: Relation }) {
  const { t } = useI18n();
  return (
    <div>
      <div data-testid="wecom-relation-name">{r.name ?? r.externalUserid}</div>
      {r.customerId ? (
        <Link to={`/customers/${r.customerId}`} style={{ fontSize: 12 }} data-testid="wecom-relation-customer-link">
          {t('wecom.rel.linked')}
        </Link>
      ) : (
        <Tooltip title={t('wecom.rel.unlinkedHint')}>
          <span className="muted" style={{ fontSize: 12 }}>{t('wecom.rel.unlinked')}</span>
        </Tooltip>
      )}
    </div>
  );
}

/** The relation columns shared by 客户关系, a member's customers and a code's customers. */
export function useRelationColumns(opts: { tags: Map<string, CorpTag>; onOpen: (r: Relation) => void; hideStaff?: boolean }): NonNullable<TableProps<Relation>['columns']> {
  const { t } = useI18n();
  const cols: NonNullable<TableProps<Relation>['columns']> = [
    { title: t('wecom.rel.customer'), key: 'customer', width: 180, render: (_, r) => <ContactCell r={r} /> },
    { title: t('wecom.rel.staff'), key: 'staff', width: 110, render: (_, r) => r.staffName ?? r.staffUserid },
    { title: t('common.remark'), dataIndex: 'remark', width: 140, render: (v: string) => v || <span className="muted">-</span> },
    { title: t('wecom.rel.tags'), key: 'tags', render: (_, r) => <CorpTagList ids={r.tagIds} tags={opts.tags} /> },
    { title: t('wecom.rel.stage'), dataIndex: 'stage', width: 100, render: (v: WecomStage) => <StageTag stage={v} /> },
    { title: t('wecom.rel.addedAt'), dataIndex: 'addedAt', width: 170, render: fmtTime },
    { title: t('common.status'), dataIndex: 'status', width: 120, render: (v: WecomRelationStatus) => <RelationStatusTag status={v} /> },
    {
      title: t('common.actions'),
      key: 'a',
      width: 80,
      fixed: 'right',
      render: (_, r) => (
        <Button type="link" size="small" onClick={() => opts.onOpen(r)} data-testid={`wecom-relation-open-${r.id}`}>
          {t('common.detail')}
        </Button>
      ),
    },
  ];
  return opts.hideStaff ? cols.filter((c) => c.key !== 'staff') : cols;
}
