import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ConfigProvider } from 'antd-mobile';
import zhCN from 'antd-mobile/es/locales/zh-CN';
import { App } from './App';
import { NoShop } from './pages/NoShop';
import { inWechat, shopSlug } from './lib/shop';
import './styles.css';

// WeChat and the mini-program web-view draw their own title bar: pages drop theirs (see Page).
if (inWechat) document.documentElement.classList.add('in-wechat');

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ConfigProvider locale={zhCN}>{shopSlug ? <App /> : <NoShop />}</ConfigProvider>
  </StrictMode>,
);
