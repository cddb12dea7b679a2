import { ErrorBlock } from 'antd-mobile';

/** Opened without /s/<shop>/ in the address: there is no shop to show. */
export function NoShop() {
  return (
    <main className="empty" style={{ paddingTop: 120 }}>
      <h1 className="sr-only">店铺不存在</h1>
      <ErrorBlock status="empty" title="店铺地址不完整" description="请通过商家分享的店铺链接(/s/店铺标识/)访问" />
    </main>
  );
}
