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
const CatalogPage = lazy(() => import('./features/catalog/search/CatalogPage'));
const EntryDetailPage = lazy(() => import('./features/catalog/detail/EntryDetailPage'));
const DatasetPage = lazy(() => import('./features/datasets/DatasetPage'));
const EntryEditorPage = lazy(() => import('./features/catalog/editor/EntryEditorPage'));
const ReviewQueuePage = lazy(() => import('./features/catalog/review/ReviewQueuePage'));
const ImportPage = lazy(() => import('./features/catalog/import/ImportPage'));
const StandardsPage = lazy(() => import('./features/standards/StandardsPage'));
const CodeTablePage = lazy(() => import('./features/standards/CodeTablePage'));
const DataElementPage = lazy(() => import('./features/standards/DataElementPage'));
const SharingRequestsPage = lazy(() => import('./features/sharing/RequestsPage'));
const SharingGrantsPage = lazy(() => import('./features/sharing/GrantsPage'));
const SharingDemandsPage = lazy(() => import('./features/sharing/DemandsPage'));
const ObjectionsPage = lazy(() => import('./features/governance/ObjectionsPage'));
const ScorecardsPage = lazy(() => import('./features/governance/ScorecardsPage'));
const RegistryPage = lazy(() => import('./features/governance/RegistryPage'));
const CrosschecksPage = lazy(() => import('./features/governance/CrosschecksPage'));
const CrosscheckRunPage = lazy(() => import('./features/governance/CrosscheckRunPage'));
const PortalSearchPage = lazy(() => import('./features/portal/PortalSearchPage'));
const PortalEntryPage = lazy(() => import('./features/portal/PortalEntryPage'));
const RegisterPage = lazy(() => import('./features/public/RegisterPage'));
const MyAccessesPage = lazy(() => import('./features/public/MyAccessesPage'));
const OpenApplicationsPage = lazy(() => import('./features/opening/ApplicationsPage'));
const ProductsPage = lazy(() => import('./features/opening/ProductsPage'));
const MyOpeningPage = lazy(() => import('./features/opening/MyOpeningPage'));

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
      <Route path="/register" element={page(<RegisterPage />)} />
      {/* The open data portal needs no session. */}
      <Route path="/portal" element={page(<PortalSearchPage />)} />
      <Route path="/portal/:id" element={page(<PortalEntryPage />)} />
      <Route element={<RequireSession />}>
        <Route index element={page(<HomePage />)} />
        <Route path="catalog" element={page(<CatalogPage />)} />
        <Route
          path="catalog/review"
          element={<RequirePermission nav="catalogReview">{page(<ReviewQueuePage />)}</RequirePermission>}
        />
        <Route
          path="catalog/import"
          element={<RequirePermission nav="catalogImport">{page(<ImportPage />)}</RequirePermission>}
        />
        {/* Writing an entry needs catalog.write, the permission of the import menu entry. */}
        <Route
          path="catalog/new"
          element={<RequirePermission nav="catalogImport">{page(<EntryEditorPage />)}</RequirePermission>}
        />
        <Route path="catalog/:id" element={page(<EntryDetailPage />)} />
        {/* The dataset page checks dataset.read itself (it is no menu entry). */}
        <Route path="catalog/:id/data" element={page(<DatasetPage />)} />
        <Route
          path="catalog/:id/edit"
          element={<RequirePermission nav="catalogImport">{page(<EntryEditorPage />)}</RequirePermission>}
        />
        <Route
          path="standards"
          element={<RequirePermission nav="standards">{page(<StandardsPage />)}</RequirePermission>}
        />
        <Route
          path="standards/code-tables/:id"
          element={<RequirePermission nav="standards">{page(<CodeTablePage />)}</RequirePermission>}
        />
        <Route
          path="standards/data-elements/:id"
          element={<RequirePermission nav="standards">{page(<DataElementPage />)}</RequirePermission>}
        />
        <Route path="orgs" element={<RequirePermission nav="orgs">{page(<OrgsPage />)}</RequirePermission>} />
        <Route
          path="users"
          element={<RequirePermission nav="users">{page(<UsersPage />)}</RequirePermission>}
        />
        <Route path="apps" element={<RequirePermission nav="apps">{page(<AppsPage />)}</RequirePermission>} />
        <Route
          path="share"
          element={<RequirePermission nav="share">{page(<SharingRequestsPage />)}</RequirePermission>}
        />
        <Route
          path="share/grants"
          element={<RequirePermission nav="share">{page(<SharingGrantsPage />)}</RequirePermission>}
        />
        <Route
          path="share/demands"
          element={<RequirePermission nav="demands">{page(<SharingDemandsPage />)}</RequirePermission>}
        />
        <Route
          path="governance/objections"
          element={<RequirePermission nav="objections">{page(<ObjectionsPage />)}</RequirePermission>}
        />
        <Route
          path="governance/scorecards"
          element={<RequirePermission nav="scorecards">{page(<ScorecardsPage />)}</RequirePermission>}
        />
        <Route
          path="governance/items"
          element={<RequirePermission nav="registry">{page(<RegistryPage />)}</RequirePermission>}
        />
        <Route
          path="governance/crosschecks"
          element={<RequirePermission nav="crosschecks">{page(<CrosschecksPage />)}</RequirePermission>}
        />
        <Route
          path="governance/crosschecks/:id"
          element={<RequirePermission nav="crosschecks">{page(<CrosscheckRunPage />)}</RequirePermission>}
        />
        <Route
          path="audit"
          element={<RequirePermission nav="audit">{page(<AuditPage />)}</RequirePermission>}
        />
        <Route
          path="my/accesses"
          element={<RequirePermission nav="myAccesses">{page(<MyAccessesPage />)}</RequirePermission>}
        />
        <Route
          path="opening/applications"
          element={
            <RequirePermission nav="openApplications">{page(<OpenApplicationsPage />)}</RequirePermission>
          }
        />
        <Route
          path="opening/products"
          element={<RequirePermission nav="products">{page(<ProductsPage />)}</RequirePermission>}
        />
        <Route
          path="opening/mine"
          element={<RequirePermission nav="myOpening">{page(<MyOpeningPage />)}</RequirePermission>}
        />
        <Route path="profile" element={page(<ProfilePage />)} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
