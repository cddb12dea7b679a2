import { useMemo } from 'react';
import { useAuth } from '../../lib/auth';
import { useApi } from '../../lib/hooks';
import type { CouponTemplate, Paged } from '../../lib/types';
import type { CustomerGroup } from '../customers/audience';
import { useSegmentLookups } from '../customers/SegmentBuilder';
import type { MessageTemplate } from '../messaging/types';
import { NO_NAMES, type Names } from './labels';

/** The customer groups (segments) triggers point at, with their names. */
export function useGroups() {
  const { can } = useAuth();
  const groups = useApi<{ items: CustomerGroup[] }>(can('customers:read') ? '/groups' : null);
  return useMemo(() => ({ groups: groups.data?.items ?? [], loading: groups.loading, names: { ...NO_NAMES, groups: new Map((groups.data?.items ?? []).map((g) => [g.id, g.name])) } as Names }), [groups.data, groups.loading]);
}

/**
 * Everything a journey's forms choose from, loaded as the role allows: groups, message templates and
 * coupons here; levels, tags, categories (and, while a condition is open, events) through the segment
 * builder's own lookups, which the condition node's editor uses as they are.
 */
export function useLookups(opts: { events?: boolean } = {}) {
  const { can } = useAuth();
  const g = useGroups();
  const segment = useSegmentLookups(!!opts.events);
  const templates = useApi<{ items: MessageTemplate[] }>(can('messaging:read') ? '/messaging/templates' : null);
  const coupons = useApi<Paged<CouponTemplate>>(can('promotions:read') ? '/coupons' : null, { page: 1, pageSize: 100 });

  return useMemo(() => {
    const names: Names = {
      groups: g.names.groups,
      tags: new Map(segment.tags.map((x) => [x.id, x.name])),
      templates: new Map((templates.data?.items ?? []).map((x) => [x.id, x.name])),
      coupons: new Map((coupons.data?.items ?? []).map((x) => [x.id, x.name])),
      levels: new Map((segment.levels ?? []).map((x) => [x.id, x.name])),
      categories: new Map(Object.entries(segment.names.categories ?? {})),
    };
    return {
      names,
      segment,
      groups: g.groups,
      tags: segment.tags.filter((x) => x.kind !== 'source'),
      templates: templates.data?.items ?? [],
      coupons: (coupons.data?.items ?? []).filter((c) => c.status !== 'ended'),
      loading: { groups: g.loading, tags: segment.loading.tags, templates: templates.loading, coupons: coupons.loading },
    };
  }, [g, segment, templates.data, templates.loading, coupons.data, coupons.loading]);
}
export type Lookups = ReturnType<typeof useLookups>;
