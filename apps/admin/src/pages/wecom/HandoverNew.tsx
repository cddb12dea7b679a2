import { useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Alert, Button, Card, Checkbox, Col, Form, Input, Radio, Result, Row, Select, Space, Statistic, Steps, Table, type TableProps } from 'antd';
import { SearchOutlined } from '@ant-design/icons';
import { WECOM_TRANSFER_CHUNK, WECOM_TRANSFERS_PER_WINDOW, WECOM_TRANSFER_WINDOW_DAYS } from '@siyu/contracts';
import { api } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import { fmtTime } from '../../lib/format';
import { useApi } from '../../lib/hooks';
import { useI18n } from '../../lib/i18n';
import type { Paged } from '../../lib/types';
import { matchesSearch, splitRefusals } from './helpers-reach';
import { StageTag } from './labels';
import { refusalText } from './reach-labels';
import type { Relation, StaffMember } from './types';
import type { GroupChat, Handover, HandoverPlan, HandoverRefusal, UnassignedCustomer } from './types-reach';
import './wecom.css';
import './reach.css';

type Kind = 'onjob' | 'resigned';
type Source = 'relations' | 'unassigned';

/** Every active customer of a member (the relation list pages by 100; a member has a few thousand at most). */
function useCustomersOf(userid: string | undefined) {
  const [state, setState] = useState<{ items: Relation[]; loading: boolean; error: Error | null }>({ items: [], loading: false, error: null });
  useEffect(() => {
    if (!userid) return setState({ items: [], loading: false, error: null });
    let live = true;
    setState({ items: [], loading: true, error: null });
    (async () => {
      const all: Relation[] = [];
      for (let page = 1; page <= 50; page++) {
        const r = await api.get<Paged<Relation>>('/wecom/relations', { staff: userid, status: 'active', page, pageSize: 100 });
        all.push(...r.items);
        if (all.length >= r.total || !r.items.length) break;
      }
      return all;
    })().then(
      (items) => live && setState({ items, loading: false, error: null }),
      (error: Error) => live && setState({ items: [], loading: false, error }),
    );
    return () => {
      live = false;
    };
  }, [userid]);
  return state;
}

/** WeCom's list of customers of everyone who left and were not handed over yet, all pages. */
function useUnassigned(on: boolean) {
  const [state, setState] = useState<{ items: UnassignedCustomer[]; loading: boolean; error: Error | null }>({ items: [], loading: false, error: null });
  useEffect(() => {
    if (!on) return;
    let live = true;
    setState({ items: [], loading: true, error: null });
    (async () => {
      const all: UnassignedCustomer[] = [];
      let cursor = '';
      for (let i = 0; i < 20; i++) {
        const r = await api.get<{ items: UnassignedCustomer[]; nextCursor: string; isLast: boolean }>('/wecom/unassigned', { cursor, pageSize: 1000 });
        all.push(...r.items);
        if (r.isLast || !r.nextCursor) break;
        cursor = r.nextCursor;
      }
      return all;
    })().then(
      (items) => live && setState({ items, loading: false, error: null }),
      (error: Error) => live && setState({ items: [], loading: false, error }),
    );
    return () => {
      live = false;
    };
  }, [on]);
  return state;
}

const unassignedKey = (u: Pick<UnassignedCustomer, 'handoverUserid' | 'externalUserid'>) => `${u.handoverUserid}|${u.externalUserid}`;

/**
 * 客户转接: a wizard. The kind (在职转接 of a member still here, 离职继承 of one who left) and the giver;
 * the customers (picked from the giver's, or all of them; for people who left, also WeCom's unassigned
 * list) and groups; the taker; then a preview of what WeCom would refuse, customer by customer, before
 * anything is sent. A customer moves in Siyu only when WeCom reports the transfer done.
 */
export default function HandoverNew() {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [step, setStep] = useState(0);
  const [kind, setKind] = useState<Kind>('onjob');
  const [source, setSource] = useState<Source>('relations');
  const [giver, setGiver] = useState<string>();
  const [taker, setTaker] = useState<string>();
  const [message, setMessage] = useState('');
  const [allCustomers, setAllCustomers] = useState(false);
  const [picked, setPicked] = useState<string[]>([]);
  const [pickedUnassigned, setPickedUnassigned] = useState<string[]>([]);
  const [allGroups, setAllGroups] = useState(false);
  const [chatIds, setChatIds] = useState<string[]>([]);
  const [search, setSearch] = useState('');
  const [plans, setPlans] = useState<HandoverPlan[] | null>(null);
  const [busy, setBusy] = useState(false);

  const staff = useApi<{ items: StaffMember[] }>('/wecom/staff');
  const fromUnassigned = kind === 'resigned' && source === 'unassigned';
  const customers = useCustomersOf(fromUnassigned ? undefined : giver);
  const unassigned = useUnassigned(fromUnassigned);
  const groups = useApi<{ items: GroupChat[] }>(giver && !fromUnassigned ? '/wecom/handovers/groups' : null, { owner: giver });
  const names = useMemo(() => new Map((staff.data?.items ?? []).map((s) => [s.userid, s.name])), [staff.data]);
  const nameOf = (u: string | undefined) => (u ? (names.get(u) ?? u) : '-');

  const givers = (staff.data?.items ?? []).filter((s) => (kind === 'onjob' ? s.status === 1 : s.status === 5));
  const takers = (staff.data?.items ?? []).filter((s) => s.status === 1 && s.userid !== giver);
  const shown = customers.items.filter((r) => matchesSearch({ name: r.name, remark: r.remark, externalUserid: r.externalUserid }, search));
  const shownUnassigned = unassigned.items.filter((u) => matchesSearch({ name: u.name, externalUserid: u.externalUserid }, search) || (u.handoverName ?? '').includes(search.trim()));
  const customerCount = fromUnassigned ? pickedUnassigned.length : allCustomers ? customers.items.length : picked.length;
  const groupCount = fromUnassigned ? 0 : allGroups ? (groups.data?.items.length ?? 0) : chatIds.length;

  const reset = (k: Kind) => {
    setKind(k);
    setGiver(undefined);
    setPicked([]);
    setChatIds([]);
    setAllCustomers(false);
    setAllGroups(false);
    setPickedUnassigned([]);
    setSource('relations');
  };

  /** One body per giver: the unassigned list can hold several people who left. */
  const bodies = (preview: boolean) => {
    if (fromUnassigned) {
      const byGiver = new Map<string, string[]>();
      for (const k of pickedUnassigned) {
        const [g, e] = k.split('|') as [string, string];
        byGiver.set(g, [...(byGiver.get(g) ?? []), e]);
      }
      return [...byGiver].map(([handoverUserid, externalUserids]) => ({ handoverUserid, takeoverUserid: taker!, externalUserids, preview }));
    }
    return [
      {
        handoverUserid: giver!,
        takeoverUserid: taker!,
        ...(allCustomers ? { allCustomers: true } : { relationIds: picked }),
        ...(allGroups ? { allGroups: true } : { chatIds }),
        ...(kind === 'onjob' && message.trim() ? { successMessage: message.trim() } : {}),
        preview,
      },
    ];
  };

  const runPreview = async () => {
    setBusy(true);
    try {
      const list: HandoverPlan[] = [];
      for (const b of bodies(true)) list.push(await api.post<HandoverPlan>('/wecom/handovers', b));
      setPlans(list);
      setStep(3);
    } catch (err) {
      showError(err);
    } finally {
      setBusy(false);
    }
  };

  const confirm = async () => {
    setBusy(true);
    try {
      if (fromUnassigned) {
        const items = pickedUnassigned.map((k) => {
          const [handoverUserid, externalUserid] = k.split('|') as [string, string];
          return { handoverUserid, externalUserid };
        });
        const made = await api.post<{ handovers: Handover[] }>('/wecom/unassigned/assign', { takeoverUserid: taker, items });
        feedback.message.success(t('wecom.ho.started', { n: made.handovers.length }));
        navigate(made.handovers.length === 1 ? `/wecom/handovers/${made.handovers[0]!.id}` : '/wecom/handovers');
      } else {
        const made = await api.post<Handover>('/wecom/handovers', bodies(false)[0]);
        feedback.message.success(t('wecom.ho.started', { n: 1 }));
        navigate(`/wecom/handovers/${made.id}`);
      }
    } catch (err) {
      showError(err);
    } finally {
      setBusy(false);
    }
  };

  const customerColumns: TableProps<Relation>['columns'] = [
    { title: t('wecom.rel.customer'), key: 'c', render: (_, r) => r.name ?? r.externalUserid },
    { title: t('common.remark'), dataIndex: 'remark', width: 140, render: (v: string) => v || <span className="muted">-</span> },
    { title: t('wecom.rel.stage'), dataIndex: 'stage', width: 100, render: (v: Relation['stage']) => <StageTag stage={v} /> },
    { title: t('wecom.rel.addedAt'), dataIndex: 'addedAt', width: 170, render: fmtTime },
  ];
  const unassignedColumns: TableProps<UnassignedCustomer>['columns'] = [
    { title: t('wecom.rel.customer'), key: 'c', render: (_, u) => u.name ?? u.externalUserid },
    { title: t('wecom.ho.leaver'), key: 'g', width: 140, render: (_, u) => u.handoverName ?? u.handoverUserid },
    { title: t('wecom.ho.leftAt'), dataIndex: 'dimissionTime', width: 170, render: fmtTime },
  ];

  const total = (plans ?? []).reduce((a, p) => ({ customers: a.customers + p.customers.length, groups: a.groups + p.groups.length }), { customers: 0, groups: 0 });
  const refusals = splitRefusals((plans ?? []).flatMap((p) => p.refusals.map((r) => ({ ...r, handoverUserid: r.handoverUserid ?? p.handoverUserid }))));
  const refusalColumns: TableProps<HandoverRefusal>['columns'] = [
    { title: t('wecom.rel.customer'), key: 'n', render: (_, r) => r.name ?? r.externalUserid ?? r.chatId },
    ...(fromUnassigned ? [{ title: t('wecom.ho.leaver'), key: 'g', width: 120, render: (_: unknown, r: HandoverRefusal) => nameOf(r.handoverUserid) }] : []),
    { title: t('wecom.ho.why'), key: 'r', render: (_, r) => <span data-testid={`wecom-ho-refusal-${r.reason}`}>{refusalText(r, t)}</span> },
  ];

  const canNext = [
    !!giver || fromUnassigned,
    customerCount + groupCount > 0,
    !!taker,
  ];

  return (
    <div className="page-card" data-testid="wecom-ho-wizard">
      <h1 className="page-title">{t('nav.wecomHandoverNew')}</h1>
      <Steps
        current={step}
        size="small"
        style={{ marginBottom: 24, maxWidth: 820 }}
        items={[{ title: t('wecom.ho.step.kind') }, { title: t('wecom.ho.step.customers') }, { title: t('wecom.ho.step.taker') }, { title: t('wecom.ho.step.preview') }]}
      />

      {step === 0 && (
        <div data-testid="wecom-ho-step-kind">
          <Radio.Group value={kind} onChange={(e) => reset(e.target.value as Kind)} className="wecom-kind" data-testid="wecom-ho-kind">
            <Radio.Button value="onjob">
              <b data-testid="wecom-ho-kind-onjob">{t('wecom.ho.kind.onjob')}</b>
              <div className="muted">{t('wecom.ho.kind.onjobHint', { n: WECOM_TRANSFERS_PER_WINDOW, days: WECOM_TRANSFER_WINDOW_DAYS })}</div>
            </Radio.Button>
            <Radio.Button value="resigned">
              <b data-testid="wecom-ho-kind-resigned">{t('wecom.ho.kind.resigned')}</b>
              <div className="muted">{t('wecom.ho.kind.resignedHint')}</div>
            </Radio.Button>
          </Radio.Group>
          {kind === 'resigned' && (
            <div style={{ marginTop: 16 }}>
              <Radio.Group value={source} onChange={(e) => setSource(e.target.value as Source)} data-testid="wecom-ho-source">
                <Radio value="relations">{t('wecom.ho.source.relations')}</Radio>
                <Radio value="unassigned">{t('wecom.ho.source.unassigned')}</Radio>
              </Radio.Group>
            </div>
          )}
          {!fromUnassigned && (
            <div style={{ marginTop: 16 }}>
              <div className="wecom-field-label">{kind === 'onjob' ? t('wecom.ho.giver') : t('wecom.ho.leaver')}</div>
              <Select
                showSearch={{ optionFilterProp: 'label' }}
                value={giver}
                onChange={(v) => (setGiver(v), setPicked([]), setChatIds([]))}
                options={givers.map((s) => ({ value: s.userid, label: `${s.name} · ${t('wecom.ho.customersN', { n: s.customers })}` }))}
                placeholder={t('wecom.code.pickOne')}
                notFoundContent={<span className="muted">{kind === 'resigned' ? t('wecom.ho.noLeavers') : t('common.none')}</span>}
                style={{ width: 320 }}
                aria-label={kind === 'onjob' ? t('wecom.ho.giver') : t('wecom.ho.leaver')}
                data-testid="wecom-ho-giver"
              />
            </div>
          )}
        </div>
      )}

      {step === 1 && (
        <div data-testid="wecom-ho-step-customers">
          <h3 className="wecom-h3">{t('wecom.ho.customers')}</h3>
          {fromUnassigned ? (
            <>
              {unassigned.error && <Alert type="error" showIcon title={unassigned.error.message} style={{ marginBottom: 12 }} />}
              <div className="filters">
                <Input allowClear prefix={<SearchOutlined />} placeholder={t('wecom.ho.search')} value={search} onChange={(e) => setSearch(e.target.value)} style={{ width: 260 }} aria-label={t('common.search')} />
              </div>
              <Table<UnassignedCustomer>
                rowKey={unassignedKey}
                size="small"
                loading={unassigned.loading}
                dataSource={shownUnassigned}
                columns={unassignedColumns}
                rowSelection={{ selectedRowKeys: pickedUnassigned, onChange: (k) => setPickedUnassigned(k as string[]), preserveSelectedRowKeys: true }}
                pagination={{ pageSize: 20, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
                locale={{ emptyText: <span className="muted">{t('wecom.ho.noUnassigned')}</span> }}
                data-testid="wecom-ho-unassigned"
              />
            </>
          ) : (
            <>
              {customers.error && <Alert type="error" showIcon title={customers.error.message} style={{ marginBottom: 12 }} />}
              <div className="filters">
                <Checkbox checked={allCustomers} onChange={(e) => setAllCustomers(e.target.checked)} data-testid="wecom-ho-all-customers">
                  {t('wecom.ho.allCustomers', { n: customers.items.length })}
                </Checkbox>
                {!allCustomers && (
                  <Input allowClear prefix={<SearchOutlined />} placeholder={t('wecom.ho.search')} value={search} onChange={(e) => setSearch(e.target.value)} style={{ width: 260 }} aria-label={t('common.search')} data-testid="wecom-ho-search" />
                )}
              </div>
              {!allCustomers && (
                <Table<Relation>
                  rowKey="id"
                  size="small"
                  loading={customers.loading}
                  dataSource={shown}
                  columns={customerColumns}
                  rowSelection={{ selectedRowKeys: picked, onChange: (k) => setPicked(k as string[]), preserveSelectedRowKeys: true }}
                  pagination={{ pageSize: 20, hideOnSinglePage: true, showTotal: (n) => t('common.total', { n }) }}
                  locale={{ emptyText: <span className="muted">{t('wecom.ho.noCustomers')}</span> }}
                  onRow={(r) => ({ 'data-testid': `wecom-ho-customer-${r.externalUserid}` }) as React.HTMLAttributes<HTMLElement>}
                  data-testid="wecom-ho-customers"
                />
              )}
              <h3 className="wecom-h3">{t('wecom.ho.groups')}</h3>
              {groups.error ? (
                <Alert type="warning" showIcon title={groups.error.message} />
              ) : (
                <div data-testid="wecom-ho-groups">
                  <Checkbox checked={allGroups} onChange={(e) => setAllGroups(e.target.checked)} disabled={!groups.data?.items.length} style={{ marginBottom: 8 }}>
                    {t('wecom.ho.allGroups', { n: groups.data?.items.length ?? 0 })}
                  </Checkbox>
                  {!allGroups && (
                    <Checkbox.Group
                      value={chatIds}
                      onChange={(v) => setChatIds(v as string[])}
                      options={(groups.data?.items ?? []).map((g) => ({ value: g.chatId, label: t('wecom.ho.groupLabel', { name: g.name || g.chatId, n: g.memberCount }) }))}
                      style={{ display: 'flex', flexDirection: 'column', gap: 4 }}
                    />
                  )}
                  {!groups.loading && !groups.data?.items.length && <div className="muted">{t('wecom.ho.noGroups')}</div>}
                </div>
              )}
            </>
          )}
          <div className="muted wecom-note" style={{ marginTop: 12 }} data-testid="wecom-ho-chosen">
            {t('wecom.ho.chosen', { c: customerCount, g: groupCount })}
          </div>
        </div>
      )}

      {step === 2 && (
        <Form layout="vertical" requiredMark={false} data-testid="wecom-ho-step-taker">
          <Form.Item label={t('wecom.ho.taker')} extra={t('wecom.ho.takerHint')}>
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              value={taker}
              onChange={setTaker}
              options={takers.map((s) => ({ value: s.userid, label: s.canContact ? `${s.name} · ${t('wecom.ho.customersN', { n: s.customers })}` : `${s.name} (${t('wecom.staff.canContactNo')})`, disabled: !s.canContact }))}
              placeholder={t('wecom.code.pickOne')}
              style={{ width: 320 }}
              aria-label={t('wecom.ho.taker')}
              data-testid="wecom-ho-taker"
            />
          </Form.Item>
          {kind === 'onjob' && (
            <Form.Item label={t('wecom.ho.message')} extra={t('wecom.ho.messageHint')}>
              <Input.TextArea rows={3} maxLength={200} showCount value={message} onChange={(e) => setMessage(e.target.value)} style={{ maxWidth: 560 }} placeholder={t('wecom.ho.messagePlaceholder')} aria-label={t('wecom.ho.message')} data-testid="wecom-ho-message" />
            </Form.Item>
          )}
        </Form>
      )}

      {step === 3 && plans && (
        <div data-testid="wecom-ho-step-preview">
          <Row gutter={16} className="wecom-stat-row" style={{ marginBottom: 16 }}>
            <Col xs={12} md={6}><Statistic title={t('wecom.ho.kind')} value={t(`wecom.ho.kind.${plans[0]?.kind ?? kind}`)} /></Col>
            <Col xs={12} md={6}><Statistic title={t('wecom.ho.willSend')} value={total.customers} suffix={t('wecom.ho.customersUnit')} /></Col>
            <Col xs={12} md={6}><Statistic title={t('wecom.ho.groupsSend')} value={total.groups} /></Col>
            <Col xs={12} md={6}><Statistic title={t('wecom.ho.refusedBefore')} value={refusals.customers.length + refusals.groups.length} valueStyle={refusals.customers.length + refusals.groups.length ? { color: '#d4380d' } : undefined} /></Col>
          </Row>
          <Card size="small" variant="borderless" className="wecom-section">
            <div>{t('wecom.ho.from')}: <b>{fromUnassigned ? [...new Set(plans.map((p) => nameOf(p.handoverUserid)))].join(t('common.listSep')) : nameOf(giver)}</b> → {t('wecom.ho.to')}: <b>{nameOf(taker)}</b></div>
            {kind === 'onjob' && <div className="muted" style={{ marginTop: 4 }}>{t('wecom.ho.message')}: {message.trim() || t('wecom.ho.defaultMessage')}</div>}
            <div className="muted wecom-note" style={{ marginTop: 8 }}>{t('wecom.ho.previewNote', { n: WECOM_TRANSFER_CHUNK })}</div>
          </Card>
          {refusals.customers.length + refusals.groups.length > 0 ? (
            <>
              <h3 className="wecom-h3">{t('wecom.ho.refusalsTitle')}</h3>
              <Table<HandoverRefusal>
                rowKey={(r) => `${r.handoverUserid}|${r.externalUserid ?? r.chatId}`}
                size="small"
                dataSource={[...refusals.customers, ...refusals.groups]}
                columns={refusalColumns}
                pagination={{ pageSize: 20, hideOnSinglePage: true }}
                data-testid="wecom-ho-refusals"
              />
            </>
          ) : (
            <Alert type="success" showIcon title={t('wecom.ho.noRefusals')} />
          )}
          {total.customers + total.groups === 0 && <Result status="warning" title={t('wecom.ho.nothingLeft')} />}
        </div>
      )}

      <div className="form-footer">
        <Space>
          {step > 0 && <Button onClick={() => setStep(step - 1)} data-testid="wecom-ho-back">{t('common.back')}</Button>}
          {step < 2 && (
            <Button type="primary" disabled={!canNext[step]} onClick={() => (setSearch(''), setStep(step + 1))} data-testid="wecom-ho-next">
              {t('wecom.ho.next')}
            </Button>
          )}
          {step === 2 && (
            <Button type="primary" disabled={!canNext[2]} loading={busy} onClick={runPreview} data-testid="wecom-ho-preview">
              {t('wecom.ho.previewBtn')}
            </Button>
          )}
          {step === 3 && (
            <Button type="primary" disabled={total.customers + total.groups === 0} loading={busy} onClick={confirm} data-testid="wecom-ho-confirm">
              {t('wecom.ho.confirm', { n: total.customers, g: total.groups })}
            </Button>
          )}
          <Button onClick={() => navigate('/wecom/handovers')}>{t('common.cancel')}</Button>
        </Space>
      </div>
    </div>
  );
}
