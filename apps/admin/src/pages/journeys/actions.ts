import { api, ApiError } from '../../lib/api';
import { feedback, showError } from '../../lib/feedback';
import type { Journey } from './types';

export type Action = 'publish' | 'pause' | 'resume' | 'end';

/** Runs a lifecycle action on a journey; the answer is the journey in its new state. */
export async function journeyAction(id: string, action: Action, t: (k: `jr.done.${Action}`) => string): Promise<Journey | null> {
  try {
    const j = await api.post<Journey>(`/journeys/${id}/${action}`);
    feedback.message.success(t(`jr.done.${action}`));
    return j;
  } catch (err) {
    showError(err);
    if (err instanceof ApiError && err.status === 409) return null;
    throw err;
  }
}

