import { installSessionGuard, LOGIN_PATH } from '@bmp/web-common/router'
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import ConsoleLayout from './components/ConsoleLayout.vue'

// Upstream's paths (bmp-console-web src/router/routes.ts); each page is its own chunk.
export const routes: RouteRecordRaw[] = [
  { path: LOGIN_PATH, component: () => import('./pages/LoginView.vue'), meta: { public: true } },
  { path: '/Login/login', redirect: LOGIN_PATH },
  {
    path: '/',
    component: ConsoleLayout,
    redirect: '/instance/list',
    children: [
      { path: 'instance/list', component: () => import('./pages/InstanceListPage.vue') },
      { path: 'instance/create', component: () => import('./pages/InstanceCreatePage.vue') },
      { path: 'instance/detail/:instanceId', component: () => import('./pages/InstanceDetailPage.vue'), props: true },
      { path: 'instance/rules/list', component: () => import('./pages/monitoring/AlarmRulesPage.vue') },
      { path: 'instance/rules/create', component: () => import('./pages/monitoring/RuleEditPage.vue') },
      { path: 'instance/rules/edit/:ruleId', component: () => import('./pages/monitoring/RuleEditPage.vue'), props: true },
      { path: 'instance/rules/detail/:ruleId', component: () => import('./pages/monitoring/RuleDetailPage.vue'), props: true },
      { path: 'instance/history/list', component: () => import('./pages/monitoring/AlarmHistoryPage.vue') },
      { path: 'management', component: () => import('./pages/ProjectsPage.vue') },
      { path: 'management/detail/:projectId', component: () => import('./pages/ProjectDetailPage.vue'), props: true },
      { path: 'user', component: () => import('./pages/PersonalPage.vue') },
      { path: 'message/list', component: () => import('@bmp/web-common/components/messages/MessageListPage.vue') },
      { path: 'message/detail/:messageId', component: () => import('@bmp/web-common/components/messages/MessageDetailPage.vue'), props: true },
      { path: ':unknown(.*)*', component: () => import('@bmp/web-common/components/NotFoundPage.vue'), props: { homePath: '/instance/list' } },
    ],
  },
]

export function createConsoleRouter() {
  const router = createRouter({ history: createWebHistory(), routes })
  installSessionGuard(router)
  return router
}

