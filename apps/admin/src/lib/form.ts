import type { FormInstance, FormRule } from 'antd';
import type { z } from 'zod';
import { ApiError } from './api';
import { contractMessage, t } from './i18n';
import { YUAN_PATTERN } from './money';

/** "items.2.quantity" → ['items', 2, 'quantity'] (antd name paths use numbers for list indexes). */
export function namePath(path: string | readonly PropertyKey[]): (string | number)[] {
  const parts = typeof path === 'string' ? path.split('.') : path.map(String);
  return parts.filter((p) => p !== '').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

const firstIssue = (err: z.ZodError) => contractMessage(err.issues[0]?.message ?? 'invalid');

/**
 * An antd Form rule that validates one field with a contract schema (the same one the API runs), after
 * turning the form value into what the API receives (yuan text → fen, '' → undefined …).
 */
export function zodRule<S extends z.ZodType>(schema: S, toApi: (v: unknown) => unknown = emptyToUndefined): FormRule {
  return {
    validator: async (_rule, value) => {
      const res = schema.safeParse(toApi(value));
      if (!res.success) throw new Error(firstIssue(res.error));
    },
  };
}

export const emptyToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);
export const asText = (v: unknown) => (v === undefined || v === null ? '' : v);
export const emptyToNull = (v: unknown) => (v === '' || v === undefined ? null : v);

/** Yuan text must be an amount before it can be turned into fen; the fen value then meets the contract. */
export function moneyRule(required = true): FormRule {
  return {
    validator: async (_rule, value) => {
      const s = value === undefined || value === null ? '' : String(value).trim();
      if (!s) {
        if (required) throw new Error(t('common.required'));
        return;
      }
      if (!YUAN_PATTERN.test(s.replace(/^[¥￥]/, '').replace(/,/g, ''))) throw new Error(t('common.moneyInvalid'));
    },
  };
}

/**
 * Validates a whole request body with its contract before sending, putting each issue on the form field
 * at the same path (`skus.0.price`). Returns the parsed body, or null when the form shows errors.
 */
export function validateBody<S extends z.ZodType>(form: FormInstance, schema: S, body: unknown, fieldMap?: Record<string, string>): z.output<S> | null {
  const res = schema.safeParse(body);
  if (res.success) return res.data;
  const byField = new Map<string, { name: (string | number)[]; errors: string[] }>();
  for (const issue of res.error.issues) {
    const dotted = issue.path.map(String).join('.');
    const name = namePath(fieldMap?.[dotted] ?? dotted);
    const key = name.join('.');
    const entry = byField.get(key) ?? { name, errors: [] };
    entry.errors.push(contractMessage(issue.message));
    byField.set(key, entry);
  }
  form.setFields([...byField.values()]);
  return null;
}

/**
 * Shows an API error on the field it names (details.field, a dotted path). Returns true when a field
 * carried it; the caller shows a toast either way so errors on fields the form does not render are seen.
 */
export function applyApiError(form: FormInstance | null | undefined, err: unknown, fieldMap?: Record<string, string>): boolean {
  if (!(err instanceof ApiError) || !form) return false;
  let field = err.field;
  const issues = err.details?.issues;
  const list: { name: (string | number)[]; errors: string[] }[] = [];
  if (Array.isArray(issues)) {
    for (const i of issues as { path?: (string | number)[] | string; message?: string; field?: string }[]) {
      const p = i.field ?? (Array.isArray(i.path) ? i.path.join('.') : i.path);
      if (p) list.push({ name: namePath(fieldMap?.[p] ?? p), errors: [contractMessage(i.message ?? err.message)] });
    }
  }
  if (field) {
    field = fieldMap?.[field] ?? field;
    if (!list.some((l) => l.name.join('.') === field)) list.push({ name: namePath(field), errors: [err.message] });
  }
  if (!list.length) return false;
  form.setFields(list);
  try {
    form.scrollToField(list[0].name, { block: 'center' });
  } catch {
    /* the field may not be rendered */
  }
  return true;
}
