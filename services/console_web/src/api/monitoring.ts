/**
 * Monitoring through console-api: in-band alarm rules, their alerts, the charts' series and the
 * agents' state (openapi's monitoring operations), an instance's operation log (the audit
 * trail), and its server's hardware health and fault log (oob-alert, under upstream's
 * /oob-alert/ prefix, which nginx sends to the BFF too).
 */
import { api, exportUrl } from '@bmp/web-common/api/client'
import type { Paged } from '@bmp/web-common/api/common'
import type { Calculation, Dimension } from '@bmp/web-common/api/monitoring'
import type { Instance } from './index'

// The charts' routes and types are the same on both BFFs (web_common).
export { monitorApi, type AgentStatus, type Calculation, type Dimension, type Series } from '@bmp/web-common/api/monitoring'
export type Operation = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq'

export interface TriggerInput {
  metric: string
  period: number
  calculation: Calculation
  calculationUnit?: string
  operation: Operation
  threshold: number
  times: number
  noticeLevel: 1 | 2 | 3
}

export interface NoticeInput {
  noticePeriod: number
  effectiveIntervalStart: string
  effectiveIntervalEnd: string
  noticeCondition: number[]
  noticeWay: number[]
}

export interface RuleBody {
  ruleName: string
  dimension: Dimension
  resource: 'instance'
  instanceIds: string[]
  deviceTag?: string
  triggerOption: TriggerInput[]
  noticeOption: NoticeInput
}

export interface Rule extends Omit<RuleBody, 'triggerOption'> {
  ruleId: string
  dimensionName: string
  resourceName: string
  instanceCount: number
  instances: Instance[]
  triggerOption: (TriggerInput & { metricName: string; description: string })[]
  triggerDescription: string[]
  status: 1 | 2 | 3
  statusName: string
  createdTime: number
  updatedTime: number
}

export interface Alert {
  alertId: string
  alertTime: number
  alertValue: string
  alertLevel: 1 | 2 | 3
  alertLevelDescription: string
  alertPeriod: number
  resourceId: string
  resourceName: string
  triggerDescription: string
  rule: Rule
}

export interface AuditLog {
  logid: string
  operation: string
  operationName: string
  userName: string
  result: 'success' | 'fail'
  failReason: string
  operateTime: number
  finishTime: number
}

export interface DeviceHealth {
  sn: string
  brand: string
  model: string
  health: Record<'cpu' | 'memory' | 'disk' | 'nic' | 'power' | 'other', string>
  polled_at: string
}

export interface Fault {
  logid: number
  alert_name: string
  alert_desc: string
  alert_type: string
  alert_level: string
  alert_content: string
  event_time: string
  collect_time: string
  count: number
  status: 0 | 1
}

type Ok = { success: boolean }
type Page = { pageNumber?: number; pageSize?: number }
export interface RuleFilters {
  ruleName?: string
  status?: number | ''
}
export interface AlertFilters {
  ruleId?: string
  resourceId?: string
  startTime?: number
  endTime?: number
}

export const ruleApi = {
  list: (query: Page & RuleFilters) => api.get<{ rules: Rule[] } & Paged>('/monitorRule/describeRules', query),
  exportUrl: (query: RuleFilters) => exportUrl('/monitorRule/describeRules', query),
  get: (ruleId: string) => api.get<Rule>('/monitorRule/describeRule', { ruleId }),
  add: (body: RuleBody) => api.post<{ success: boolean; ruleId: string }>('/monitorRule/addRule', body),
  edit: (ruleId: string, body: RuleBody) => api.put<Ok>('/monitorRule/editRule', { ruleId, ...body }),
  enable: (ruleId: string) => api.put<Ok>('/monitorRule/enableRule', { ruleId }),
  disable: (ruleId: string) => api.put<Ok>('/monitorRule/disableRule', { ruleId }),
  remove: (ruleId: string) => api.delete<Ok>('/monitorRule/deleteRule', { ruleId }),
}

export const alertApi = {
  list: (query: Page & AlertFilters) => api.get<{ instances: Alert[] } & Paged>('/monitorAlert/describeAlerts', query),
  exportUrl: (query: AlertFilters) => exportUrl('/monitorAlert/describeAlerts', query),
  remove: (alertId: string) => api.delete<Ok>('/monitorAlert/deleteAlert', { alertId }),
}

export const auditApi = {
  list: (query: Page & { instanceId: string }) => api.get<{ auditLogs: AuditLog[] } & Paged>('/auditLogs', query),
  exportUrl: (instanceId: string) => exportUrl('/auditLogs', { instanceId }),
}

// oob-alert's own names (snake_case) and envelope fields, as upstream's console used them.
const OOB = '/oob-alert'
type OobPage<T> = { detail: T[]; page_number: number; page_size: number; total_count: number }
export const oobApi = {
  health: (sn: string, idcId: string) =>
    api.get<OobPage<DeviceHealth>>('/v1/oob-alert/device/status', { sn, idcId }, OOB),
  faults: (sn: string, pageNumber: number, pageSize: number) =>
    api.get<OobPage<Fault>>('/v1/oob-alert/consolelogs', { sn, pageNumber, pageSize }, OOB),
  faultsExportUrl: (sn: string) => `${OOB}/v1/oob-alert/consolelogs?sn=${encodeURIComponent(sn)}&exportType=1`,
}
