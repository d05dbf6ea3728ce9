import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Outlet, Route, Routes, useLocation } from 'react-router';
import { Spin } from 'antd';
import { useMe } from './features/auth/session';
import { LoginPage } from './features/auth/LoginPage';
import { ConsoleLayout } from './layout/ConsoleLayout';
import { RequirePermission } from './layout/RequirePermission';
import { NotFoundPage } from './layout/NotFoundPage';
import { ErrorAlert } from './components/ErrorAlert';

const HomePage = lazy(() => import('./features/home/HomePage'));
const OrgsPage = lazy(() => import('./features/identity/orgs/OrgsPage'));
const UsersPage = lazy(() => import('./features/identity/users/UsersPage'));
const AppsPage = lazy(() => import('./features/apps/AppsPage'));
const AuditPage = lazy(() => import('./features/audit/AuditPage'));
const ProfilePage = lazy(() => import('./features/profile/ProfilePage'));

const loading = <Spin size="large" style={{ display: 'block', margin: '20vh auto' }} />;

function page(node: ReactNode) {
  return <Suspense fallback={loading}>{node}</Suspense>;
}

/** The console is for signed-in users; anyone else goes to /login and comes back afterwards. */
function RequireSession() {
  const { data: me, isPending, error } = useMe();
  const location = useLocation();
  if (isPending) return loading;
  if (error) return <ErrorAlert error={error} style={{ margin: 48 }} />;
  if (!me) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return (
    <ConsoleLayout>
      <Outlet />
    </ConsoleLayout>
  );
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route element={<RequireSession />}>
        <Route index element={page(<HomePage />)} />
        <Route path="orgs" element={<RequirePermission nav="orgs">{page(<OrgsPage />)}</RequirePermission>} />
        <Route
          path="users"
          element={<RequirePermission nav="users">{page(<UsersPage />)}</RequirePermission>}
        />
        <Route path="apps" element={<RequirePermission nav="apps">{page(<AppsPage />)}</RequirePermission>} />
        <Route
          path="audit"
          element={<RequirePermission nav="audit">{page(<AuditPage />)}</RequirePermission>}
        />
        <Route path="profile" element={page(<ProfilePage />)} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
