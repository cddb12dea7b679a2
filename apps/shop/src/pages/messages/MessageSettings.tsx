import { MessagePreferencesBody, SMS_OPT_OUT_SUFFIX, TOPIC_LABELS, TOPICS, TRANSACTIONAL_TOPICS, type Topic } from '@siyu/contracts';
import { Button, Switch, Toast } from 'antd-mobile';
import { useEffect, useState, type ReactNode } from 'react';
import { Page } from '../../components/Page';
import { ListSkeleton } from '../../components/ProductCard';
import { ErrorState } from '../../components/States';
import { ApiError, errorMessage } from '../../lib/api';
import { useLoad } from '../../lib/hooks';
import { useSession } from '../../lib/session';
import {
  askSubscribe,
  CONTACT_CHANNELS,
  loadPreferences,
  loadSubscribeConfig,
  savePreferences,
  topicsToAsk,
  type ContactChannel,
  type MessagePreferences,
  type PreferencesInput,
} from '../../lib/subscribe';
import './messages.css';

const MARKETING_TOPICS = TOPICS.filter((t) => !TRANSACTIONAL_TOPICS.includes(t));

const TOPIC_NOTES: Partial<Record<Topic, string>> = {
  order_shipped: '与您的订单相关',
  pickup_ready: '与您的订单相关',
  presale_balance_due: '与您的订单相关',
  flash_sale_reminder: '与您设置的开抢提醒相关',
};

const CHANNEL_TEXT: Record<ContactChannel, { label: string; note: string }> = {
  mini_subscribe: { label: '小程序订阅消息', note: '在小程序中允许后,每次允许可收到一条' },
  oa_template: { label: '公众号', note: '关注本店公众号后可收到' },
  sms: { label: '短信', note: '发送到您绑定的手机号' },
};

type Section = 'transactional' | 'marketing' | 'channels' | 'consent' | 'general';
interface FieldError {
  field: string;
  message: string;
  section: Section;
}

/** Which part of the page a field path (refusedTopics.3, smsMarketing…) belongs to. */
function sectionOf(field: string | undefined, draft: PreferencesInput): Section {
  const [root, index] = (field ?? '').split('.');
  if (root === 'refusedTopics') {
    const topic = index !== undefined ? draft.refusedTopics[Number(index)] : undefined;
    return topic && !TRANSACTIONAL_TOPICS.includes(topic) ? 'marketing' : 'transactional';
  }
  if (root === 'refusedChannels') return 'channels';
  if (root === 'smsMarketing') return 'consent';
  return 'general';
}

const toggle = <T,>(list: T[], item: T, refused: boolean) => (refused ? [...new Set([...list, item])] : list.filter((x) => x !== item));

/** 消息设置: which messages the customer wants, on which channels, and consent to marketing SMS. */
export default function MessageSettings() {
  const { customer } = useSession();
  const prefs = useLoad(loadPreferences, []);
  const config = useLoad(() => loadSubscribeConfig().catch(() => null), []);
  const [draft, setDraft] = useState<PreferencesInput | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<FieldError | null>(null);
  const [asking, setAsking] = useState(false);

  useEffect(() => {
    if (prefs.data && !draft) setDraft({ refusedTopics: prefs.data.refusedTopics, refusedChannels: prefs.data.refusedChannels, smsMarketing: prefs.data.smsMarketing });
  }, [prefs.data, draft]);

  const change = (next: PreferencesInput) => {
    setDraft(next);
    setError(null);
  };

  const save = async () => {
    if (!draft || saving) return;
    // The same rules the API applies, so a mistake is named before the round trip.
    const local = MessagePreferencesBody.safeParse(draft);
    if (!local.success) {
      const issue = local.error.issues[0];
      const field = issue.path.join('.');
      return void setError({ field, message: issue.message, section: sectionOf(field, draft) });
    }
    setSaving(true);
    setError(null);
    try {
      const saved = await savePreferences(draft);
      prefs.setData(saved);
      setDraft({ refusedTopics: saved.refusedTopics, refusedChannels: saved.refusedChannels, smsMarketing: saved.smsMarketing });
      Toast.show({ icon: 'success', content: '已保存' });
    } catch (err) {
      const field = err instanceof ApiError ? err.field : undefined;
      setError({ field: field ?? '', message: errorMessage(err), section: sectionOf(field, draft) });
      Toast.show({ icon: 'fail', content: '保存失败' });
    } finally {
      setSaving(false);
    }
  };

  const data = prefs.data;
  const left = (t: Topic) => data?.subscriptions.find((s) => s.topic === t)?.left ?? 0;
  // Topics the customer could subscribe to now in the mini-program (消息设置 asks even if asked before).
  const askable = data && draft && config.data ? topicsToAsk([...TOPICS], config.data, { ...data, ...draft }, new Set()) : [];

  const subscribeNow = async () => {
    if (!askable.length || asking) return;
    setAsking(true);
    try {
      const r = await askSubscribe(
        askable.map((t) => t.topic),
        { customerId: customer?.id, force: true },
      );
      if (r.kind === 'answered') {
        Toast.show({ icon: 'success', content: r.granted.some((g) => g.left > 0) ? '订阅成功' : '未订阅任何消息' });
        void prefs.reload();
      } else if (r.kind === 'failed') Toast.show({ icon: 'fail', content: '订阅失败,请稍后再试' });
    } finally {
      setAsking(false);
    }
  };

  const errorFor = (s: Section) =>
    error?.section === s ? (
      <p className="msg-error" role="alert" data-testid="msg-error" data-field={error.field}>
        {error.message}
        {error.field && s === 'general' ? `(${error.field})` : ''}
      </p>
    ) : null;

  const topicRow = (t: Topic, note: ReactNode) => (
    <SwitchRow
      key={t}
      id={`msg-topic-${t}`}
      label={TOPIC_LABELS[t].zh}
      note={note}
      checked={!draft!.refusedTopics.includes(t)}
      disabled={saving}
      onChange={(on) => change({ ...draft!, refusedTopics: toggle(draft!.refusedTopics, t, !on) })}
    />
  );

  return (
    <Page title="消息设置" back="/me" actionbar testId="msg-settings">
      {prefs.error && !data ? (
        <ErrorState error={prefs.error} onRetry={prefs.reload} />
      ) : !data || !draft ? (
        <ListSkeleton rows={3} />
      ) : (
        <>
          <section className="card msg-section" aria-labelledby="msg-h-transactional">
            <header>
              <h2 id="msg-h-transactional">交易通知</h2>
              <p className="small muted">与您的订单相关,如发货、到店取货和尾款提醒;不计入营销消息的次数,也不受下方渠道设置影响</p>
            </header>
            {TRANSACTIONAL_TOPICS.map((t) => topicRow(t, `${TOPIC_NOTES[t] ?? '与您的订单相关'}${left(t) > 0 ? ` · 小程序订阅剩余 ${left(t)} 次` : ''}`))}
            {errorFor('transactional')}
          </section>

          <section className="card msg-section" aria-labelledby="msg-h-marketing">
            <header>
              <h2 id="msg-h-marketing">营销与提醒</h2>
              <p className="small muted">优惠活动、到期提醒和生日祝福;本店会控制发送频次,夜间不打扰</p>
            </header>
            {MARKETING_TOPICS.map((t) => topicRow(t, left(t) > 0 ? `小程序订阅剩余 ${left(t)} 次` : undefined))}
            {errorFor('marketing')}
          </section>

          <section className="card msg-section" aria-labelledby="msg-h-channels">
            <header>
              <h2 id="msg-h-channels">接收渠道</h2>
              <p className="small muted">以下渠道设置对营销与提醒类消息生效,交易通知仍会通过可用渠道送达</p>
            </header>
            {CONTACT_CHANNELS.map((c) => (
              <SwitchRow
                key={c}
                id={`msg-channel-${c}`}
                label={CHANNEL_TEXT[c].label}
                note={c === 'oa_template' ? (data.following ? '已关注本店公众号' : CHANNEL_TEXT[c].note) : CHANNEL_TEXT[c].note}
                checked={!draft.refusedChannels.includes(c)}
                disabled={saving}
                onChange={(on) => change({ ...draft, refusedChannels: toggle(draft.refusedChannels, c, !on) })}
              />
            ))}
            {errorFor('channels')}
          </section>

          <section className="card msg-section" aria-labelledby="msg-h-consent">
            <header>
              <h2 id="msg-h-consent">营销短信</h2>
            </header>
            <SwitchRow
              id="msg-sms-consent"
              label="接收营销短信"
              note={customer && !customer.phone ? '您还未绑定手机号' : undefined}
              checked={draft.smsMarketing}
              disabled={saving}
              onChange={(on) => change({ ...draft, smsMarketing: on })}
              describedBy="msg-sms-consent-terms"
            />
            <p className="msg-consent-text" id="msg-sms-consent-terms">
              开启即表示您同意本店通过短信向您绑定的手机号发送优惠活动等营销信息。是否开启由您自愿决定,不影响购物和交易通知;您可随时在此关闭。每条营销短信末尾附“{SMS_OPT_OUT_SUFFIX}”,回复 R 即可退订。
            </p>
            {draft.smsMarketing && draft.refusedChannels.includes('sms') && (
              <p className="msg-consent-text" data-testid="msg-sms-channel-off">
                您已关闭“短信”接收渠道,营销短信不会发送;如需接收,请同时开启上方的短信渠道。
              </p>
            )}
            {errorFor('consent')}
          </section>

          <section className="card msg-section" aria-labelledby="msg-h-status">
            <header>
              <h2 id="msg-h-status">关注与订阅</h2>
            </header>
            <div className="msg-row">
              <span className="grow">公众号</span>
              <span className={data.following ? 'msg-pill on' : 'msg-pill'} data-testid="msg-following" data-following={data.following}>
                {data.following ? '已关注' : '未关注'}
              </span>
            </div>
            <div className="msg-row" style={{ paddingBottom: 4 }}>
              <span className="grow" id="msg-subs-title">
                小程序订阅消息剩余次数
              </span>
            </div>
            {data.subscriptions.some((s) => s.left > 0) ? (
              <ul className="msg-subs" aria-labelledby="msg-subs-title" data-testid="msg-subscriptions">
                {data.subscriptions
                  .filter((s) => s.left > 0)
                  .map((s) => (
                    <li key={s.topic} data-testid={`msg-sub-${s.topic}`}>
                      <span>{TOPIC_LABELS[s.topic]?.zh ?? s.topic}</span>
                      <span>剩余 {s.left} 次</span>
                    </li>
                  ))}
              </ul>
            ) : (
              <p className="msg-consent-text" data-testid="msg-subscriptions-none">
                暂无。每次在订阅弹窗中允许,可收到一条对应的通知。
              </p>
            )}
            {askable.length > 0 && (
              <div style={{ padding: '0 12px 12px' }}>
                <Button size="small" className="btn-round" fill="outline" color="primary" loading={asking} onClick={() => void subscribeNow()} data-testid="msg-subscribe-now">
                  订阅消息通知
                </Button>
              </div>
            )}
          </section>

          {errorFor('general')}
        </>
      )}
      <div className="fixed-bottom actionbar" role="toolbar" aria-label="保存消息设置">
        <Button block color="primary" className="btn-round" loading={saving} disabled={!draft} onClick={() => void save()} data-testid="msg-save">
          保存
        </Button>
      </div>
    </Page>
  );
}

/** One labelled switch: the label and note name and describe it; Space / Enter toggle it. */
function SwitchRow(props: { id: string; label: string; note?: ReactNode; checked: boolean; disabled?: boolean; onChange: (on: boolean) => void; describedBy?: string }) {
  const { id, label, note, checked, disabled, onChange, describedBy } = props;
  const described = [note ? `${id}-note` : null, describedBy].filter(Boolean).join(' ');
  const flip = () => {
    if (!disabled) onChange(!checked);
  };
  return (
    <div className="msg-row">
      <span className="grow">
        <span className="msg-label" id={`${id}-label`} onClick={flip}>
          {label}
        </span>
        {note && (
          <span className="msg-desc small muted" id={`${id}-note`}>
            {note}
          </span>
        )}
      </span>
      <span
        onKeyDown={(e) => {
          if (e.key === ' ' || e.key === 'Enter') {
            e.preventDefault();
            flip();
          }
        }}
      >
        <Switch
          checked={checked}
          disabled={disabled}
          onChange={onChange}
          tabIndex={0}
          aria-labelledby={`${id}-label`}
          aria-describedby={described || undefined}
          data-testid={id}
        />
      </span>
    </div>
  );
}
