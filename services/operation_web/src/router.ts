import { installSessionGuard, LOGIN_PATH } from '@bmp/web-common/router'
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import OperationLayout from './components/OperationLayout.vue'

const MESSAGES = '/MessageNotification'

// Upstream's paths (bmp-operation-web src/views/**/page.ts); each page is its own chunk.
export const routes: RouteRecordRaw[] = [
  { path: LOGIN_PATH, component: () => import('./components/LoginView.vue'), meta: { public: true } },
  { path: '/Login/login', redirect: LOGIN_PATH },
  {
    path: '/',
    component: OperationLayout,
    redirect: '/DeviceManagement/deviceList',
    children: [
      { path: 'IdcManagement/idcList', component: () => import('./pages/IdcListPage.vue') },
      { path: 'IdcManagement/idcDetail/:idcId', component: () => import('./pages/IdcDetailPage.vue'), props: true },
      { path: 'ModelManagement/modelList', component: () => import('./pages/DeviceTypeListPage.vue') },
      { path: 'ModelManagement/modelAdd', component: () => import('./pages/DeviceTypeEditPage.vue') },
      { path: 'ModelManagement/modelEdit/:deviceTypeId', component: () => import('./pages/DeviceTypeEditPage.vue'), props: true },
      { path: 'ModelManagement/addModelTemplate/:templateId', component: () => import('./pages/DeviceTypeEditPage.vue'), props: true },
      { path: 'ModelManagement/modelDetail/:deviceTypeId', component: () => import('./pages/DeviceTypeDetailPage.vue'), props: true },
      { path: 'ImageManagement/imageList', component: () => import('./pages/ImageListPage.vue') },
      { path: 'ImageManagement/imageDetail/:imageId', component: () => import('./pages/ImageDetailPage.vue'), props: true },
      { path: 'DeviceManagement/deviceList', component: () => import('./pages/DeviceListPage.vue') },
      { path: 'DeviceManagement/deviceDetail/:deviceId', component: () => import('./pages/DeviceDetailPage.vue'), props: true },
      { path: 'RoleManagement/roleList', component: () => import('./pages/RoleListPage.vue') },
      { path: 'UserManagement/userList', component: () => import('./pages/UserListPage.vue') },
      { path: 'PersonalCenter/myProfile', component: () => import('./pages/PersonalPage.vue'), props: { tab: 'profile' } },
      { path: 'PersonalCenter/securitySettings', component: () => import('./pages/PersonalPage.vue'), props: { tab: 'security' } },
      { path: 'PersonalCenter/apiKeyApi', component: () => import('./pages/PersonalPage.vue'), props: { tab: 'apikeys' } },
      {
        path: 'MessageNotification/myMessage',
        component: () => import('@bmp/web-common/components/messages/MessageListPage.vue'),
        props: { detailPath: `${MESSAGES}/messageDetail` },
      },
      {
        path: 'MessageNotification/messageDetail/:messageId',
        component: () => import('@bmp/web-common/components/messages/MessageDetailPage.vue'),
        props: (route) => ({
          messageId: route.params.messageId,
          listPath: `${MESSAGES}/myMessage`,
          detailPath: `${MESSAGES}/messageDetail`,
          instancePath: '',
        }),
      },
      { path: 'MessageNotification/messageSettings', component: () => import('./pages/MailSettingsPage.vue') },
      { path: 'MonitorManagement/hardwareStatus', component: () => import('./pages/oob/HardwareStatusPage.vue') },
      { path: 'MonitorManagement/faultLog', component: () => import('./pages/oob/FaultLogPage.vue') },
      { path: 'MonitorManagement/faultRules', component: () => import('./pages/oob/FaultRulesPage.vue') },
      { path: 'InBandMonitoringManagement/resourceMonitor', component: () => import('./pages/inband/ResourceMonitorPage.vue') },
      { path: 'InBandMonitoringManagement/allAlarmRulesList', component: () => import('./pages/inband/AlarmRulesPage.vue') },
      { path: 'InBandMonitoringManagement/allAlarmRulesDetail/:ruleId', component: () => import('./pages/inband/AlarmRuleDetailPage.vue'), props: true },
      { path: 'InBandMonitoringManagement/historyAlarmInfo', component: () => import('./pages/inband/AlarmHistoryPage.vue') },
      { path: 'AuditLog/list', component: () => import('./pages/AuditLogPage.vue') },
      { path: 'JobManagement/jobList', component: () => import('./pages/JobListPage.vue') },
      { path: 'JobManagement/jobDetail/:jobId', component: () => import('./pages/JobDetailPage.vue'), props: true },
      { path: ':unknown(.*)*', component: () => import('@bmp/web-common/components/NotFoundPage.vue'), props: { homePath: '/DeviceManagement/deviceList' } },
    ],
  },
]

export function createOperationRouter() {
  const router = createRouter({ history: createWebHistory(), routes })
  installSessionGuard(router)
  return router
}
