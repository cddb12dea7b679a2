import { DotLoading } from 'antd-mobile';
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { RequireAuth } from './components/RequireAuth';
import { TabLayout } from './components/TabLayout';
import { basename } from './lib/shop';
import { SessionProvider } from './lib/session';
import { ShopProvider } from './lib/shop-info';
import { usePageViews } from './lib/tracking';
import Home from './pages/Home';
import { SubscribeReturn } from './pages/messages/SubscribeHooks';
import { ReferralVisit } from './pages/fission/ReferralVisit';
import { SuspendedGate } from './pages/Suspended';

const Category = lazy(() => import('./pages/Category'));
const Search = lazy(() => import('./pages/Search'));
const ProductPage = lazy(() => import('./pages/Product'));
const CartPage = lazy(() => import('./pages/Cart'));
const Checkout = lazy(() => import('./pages/Checkout'));
const PayResult = lazy(() => import('./pages/PayResult'));
const Orders = lazy(() => import('./pages/Orders'));
const OrderDetail = lazy(() => import('./pages/OrderDetail'));
const AfterSale = lazy(() => import('./pages/AfterSale'));
const Me = lazy(() => import('./pages/Me'));
const Profile = lazy(() => import('./pages/Profile'));
const Addresses = lazy(() => import('./pages/Addresses'));
const AddressEdit = lazy(() => import('./pages/AddressEdit'));
const Login = lazy(() => import('./pages/Login'));
const CouponCenter = lazy(() => import('./pages/CouponCenter'));
const CouponClaim = lazy(() => import('./pages/CouponClaim'));
const MyCoupons = lazy(() => import('./pages/MyCoupons'));
const Points = lazy(() => import('./pages/Points'));
const CheckIn = lazy(() => import('./pages/CheckIn'));
const PointsMall = lazy(() => import('./pages/PointsMall'));
const MemberCentre = lazy(() => import('./pages/MemberCentre'));
const Balance = lazy(() => import('./pages/Balance'));
const TopUp = lazy(() => import('./pages/TopUp'));
const TopUpResult = lazy(() => import('./pages/TopUpResult'));
const PaidCard = lazy(() => import('./pages/PaidCard'));
const PaidCardResult = lazy(() => import('./pages/PaidCardResult'));
const ProductReviews = lazy(() => import('./pages/ProductReviews'));
const ReviewForm = lazy(() => import('./pages/ReviewForm'));
const MallRedeem = lazy(() => import('./pages/MallRedeem'));
const FlashSale = lazy(() => import('./pages/FlashSale'));
const MyPresales = lazy(() => import('./pages/MyPresales'));
const PresaleResult = lazy(() => import('./pages/PresaleResult'));
const MessageSettings = lazy(() => import('./pages/messages/MessageSettings'));
const WecomSidebar = lazy(() => import('./pages/wecom/Sidebar'));
const HealthConsent = lazy(() => import('./pages/wecom/HealthConsent'));
const GroupPage = lazy(() => import('./pages/fission/GroupPage'));
const MyGroupBuys = lazy(() => import('./pages/fission/MyGroupBuys'));
const BargainLaunch = lazy(() => import('./pages/fission/BargainLaunch'));
const MyBargains = lazy(() => import('./pages/fission/MyBargains'));
const Promoter = lazy(() => import('./pages/fission/Promoter'));
const ShareLanding = lazy(() => import('./pages/fission/ShareLanding'));
const LeaderPicker = lazy(() => import('./pages/fission/leaders/LeaderPicker'));
const LeaderCentre = lazy(() => import('./pages/fission/leaders/LeaderCentre'));
const Invite = lazy(() => import('./pages/fission/invite/Invite'));

function Loading() {
  return (
    <div className="center-pad" style={{ paddingTop: 80 }} aria-busy="true">
      <DotLoading color="primary" />
      <span className="sr-only">加载中</span>
    </div>
  );
}

function ScrollTop() {
  const { pathname } = useLocation();
  useEffect(() => {
    window.scrollTo(0, 0);
  }, [pathname]);
  return null;
}

function PageViews() {
  usePageViews();
  return null;
}

const auth = (el: ReactNode) => <RequireAuth>{el}</RequireAuth>;

export function App() {
  return (
    <BrowserRouter basename={basename}>
      <ShopProvider>
        <SuspendedGate>
          <SessionProvider>
            <ScrollTop />
            <PageViews />
            <SubscribeReturn />
            <ReferralVisit />
            <Suspense fallback={<Loading />}>
              <Routes>
                <Route element={<TabLayout />}>
                  <Route index element={<Home />} />
                  <Route path="category" element={<Category />} />
                  <Route path="category/:id" element={<Category />} />
                  <Route path="cart" element={<CartPage />} />
                  <Route path="me" element={<Me />} />
                </Route>
                <Route path="search" element={<Search />} />
                <Route path="products/:id" element={<ProductPage />} />
                <Route path="products/:id/reviews" element={<ProductReviews />} />
                <Route path="login" element={<Login />} />
                <Route path="coupons" element={<CouponCenter />} />
                <Route path="coupons/:id" element={<CouponClaim />} />
                <Route path="me/coupons" element={auth(<MyCoupons />)} />
                <Route path="me/points" element={auth(<Points />)} />
                <Route path="me/check-in" element={auth(<CheckIn />)} />
                <Route path="points-mall" element={<PointsMall />} />
                <Route path="points-mall/:id/redeem" element={auth(<MallRedeem />)} />
                <Route path="me/member" element={auth(<MemberCentre />)} />
                <Route path="me/balance" element={auth(<Balance />)} />
                <Route path="me/balance/top-up" element={auth(<TopUp />)} />
                <Route path="me/balance/top-up/result" element={auth(<TopUpResult />)} />
                <Route path="me/card" element={auth(<PaidCard />)} />
                <Route path="me/card/result" element={auth(<PaidCardResult />)} />
                <Route path="flash-sale" element={<FlashSale />} />
                <Route path="me/presales" element={auth(<MyPresales />)} />
                <Route path="me/presales/result" element={auth(<PresaleResult />)} />
                <Route path="checkout" element={auth(<Checkout />)} />
                <Route path="pay/result/:id" element={auth(<PayResult />)} />
                <Route path="orders" element={auth(<Orders />)} />
                <Route path="orders/:id" element={auth(<OrderDetail />)} />
                <Route path="orders/:id/after-sale" element={auth(<AfterSale />)} />
                <Route path="orders/:id/review/:itemId" element={auth(<ReviewForm />)} />
                <Route path="me/profile" element={auth(<Profile />)} />
                <Route path="me/addresses" element={auth(<Addresses />)} />
                <Route path="me/addresses/new" element={auth(<AddressEdit />)} />
                <Route path="me/addresses/:id" element={auth(<AddressEdit />)} />
                <Route path="messages/settings" element={auth(<MessageSettings />)} />
                {/* WeCom's chat toolbar: staff sign in with WeCom, not as customers. */}
                <Route path="wecom/sidebar" element={<WecomSidebar />} />
                <Route path="me/health-consent" element={auth(<HealthConsent />)} />
                <Route path="group-buys/groups/:id" element={<GroupPage />} />
                <Route path="me/group-buys" element={auth(<MyGroupBuys />)} />
                <Route path="bargain-launches/:id" element={<BargainLaunch />} />
                <Route path="me/bargains" element={auth(<MyBargains />)} />
                <Route path="me/promoter" element={auth(<Promoter />)} />
                <Route path="me/leader" element={auth(<LeaderPicker />)} />
                <Route path="me/leader-centre" element={auth(<LeaderCentre />)} />
                <Route path="me/invite" element={auth(<Invite />)} />
                <Route path="share/:scene" element={<ShareLanding />} />
                <Route path="*" element={<Navigate to="/" replace />} />
              </Routes>
            </Suspense>
          </SessionProvider>
        </SuspendedGate>
      </ShopProvider>
    </BrowserRouter>
  );
}
