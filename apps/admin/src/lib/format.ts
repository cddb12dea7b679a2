import dayjs from 'dayjs';

export const fmtTime = (v: string | Date | null | undefined) => (v ? dayjs(v).format('YYYY-MM-DD HH:mm:ss') : '-');
export const fmtDate = (v: string | Date | null | undefined) => (v ? dayjs(v).format('YYYY-MM-DD') : '-');

/** 浙江省杭州市西湖区 文三路 90 号; a municipality's city (北京市 北京市) is said once. */
export const fullAddress = (a: { province: string; city: string; district: string; detail: string }) =>
  `${a.province}${a.city === a.province ? '' : a.city}${a.district} ${a.detail}`;
