import type { WecomAttachment } from '@siyu/contracts';
import type { WelcomeAttachment } from './client/wecom-client.js';

/** Our attachment form to WeCom's (add_msg_template and add_moment_task take the same shapes). */
export function toWecomAttachments(list: WecomAttachment[]): WelcomeAttachment[] {
  return list.map((a) => {
    if (a.type === 'image') return { msgtype: 'image', image: { pic_url: a.picUrl } };
    if (a.type === 'link') return { msgtype: 'link', link: { title: a.title, url: a.url, ...(a.picUrl ? { picurl: a.picUrl } : {}), ...(a.desc ? { desc: a.desc } : {}) } };
    return { msgtype: 'miniprogram', miniprogram: { appid: a.appid, title: a.title, page: a.page, pic_media_id: a.picMediaId } };
  });
}
