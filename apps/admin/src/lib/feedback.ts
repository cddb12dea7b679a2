import type { MessageInstance } from 'antd/es/message/interface';
import type { ModalStaticFunctions } from 'antd/es/modal/confirm';
import type { NotificationInstance } from 'antd/es/notification/interface';
import { ApiError } from './api';

/** antd's message/modal bound to the App context (themed, localized), usable from plain functions. */
export const feedback: { message: MessageInstance; modal: Omit<ModalStaticFunctions, 'warn'>; notification: NotificationInstance } = {} as never;

export function bindFeedback(v: typeof feedback) {
  Object.assign(feedback, v);
}

/** A toast for a failed call; 401 is handled by the redirect to sign-in. */
export function showError(err: unknown) {
  if (err instanceof ApiError && err.status === 401) return;
  if ((err as Error)?.name === 'AbortError') return;
  feedback.message?.error((err as Error)?.message || String(err));
}
