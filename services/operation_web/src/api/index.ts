/**
 * operation-api's routes (upstream bmp-operation-api's paths, under /operation-web/) and the
 * oob-alert routes the BFF relays under /oob-alert/. Types hold the fields the pages use; the
 * answers carry more.
 */
import { api, exportUrl, request, upload } from '@bmp/web-common/api/client'
import type { Paged } from '@bmp/web-common/api/common'
import type { ReinstallBody } from '@bmp/web-common/components/reinstall/choices'

type Ok = { success: boolean }
export type Page = { pageNumber?: number; pageSize?: number; isAll?: number }
export type Row = Record<string, unknown>

// -- IDCs ---------------------------------------------------------------------------------------

export interface Idc {
  idcId: string
  name: string
  nameEn: string
  shortname: string
  level: string
  address: string
  iloUser?: string
  iloPassword?: string
  switchUser1?: string
  switchPassword1?: string
  switchUser2?: string
  switchPassword2?: string
  createdBy?: string
  createdTime: string
  updatedBy?: string
  updatedTime?: string
}
export type IdcBody = Partial<Omit<Idc, 'idcId' | 'createdTime' | 'createdBy' | 'updatedTime' | 'updatedBy'>>

export const idcApi = {
  list: (query: Page & { name?: string; show?: string }) => api.get<{ idcs: Idc[] } & Paged>('/idc', query),
  get: (id: string, show = false) =>
    api.get<{ idc: Idc }>(`/idc/${encodeURIComponent(id)}`, show ? { show: 'iloPassword' } : {}),
  create: (body: IdcBody) => api.put<{ idcId: string }>('/idc', body),
  modify: (id: string, body: IdcBody) => api.put<Ok>(`/idc/${encodeURIComponent(id)}`, body),
  remove: (id: string) => api.delete<Ok>(`/idc/${encodeURIComponent(id)}`),
  /** The operator's password again: the BMC and switch credentials are shown a while. */
  verify: (password: string) => api.post<Ok>('/idc/VerifyUser', { password }),
  exportUrl: (query: object) => exportUrl('/idc', query),
}

// -- device types ---------------------------------------------------------------------------------

export interface Volume {
  volumeName: string
  volumeType: 'system' | 'data'
  diskType: 'SSD' | 'HDD' | 'notLimited'
  interfaceType: 'SATA' | 'SAS' | 'NVME' | 'notLimited'
  volumeSize: string
  volumeUnit: 'GB' | 'TB'
  volumeAmount: number
  raidCan: 'RAID' | 'NO RAID' | '单盘RAID0'
  /** RAID level ids, comma-separated (answers: names in `raid`, ids in `raidId`). */
  raid: string
  raidId?: string
  /** In answers. */
  volumeId?: string
}

export interface DeviceType {
  deviceTypeId: string
  idcId: string
  idcName: string
  name: string
  deviceType: string
  deviceSeries: 'computer' | 'storage' | 'gpu' | 'other'
  deviceSeriesName: string
  architecture: string
  height: number
  cpuSpec: 'common' | 'user_defined'
  cpuAmount: number
  cpuCores: number
  cpuManufacturer: string
  cpuModel: string
  cpuFrequency: string
  memSpec: 'common' | 'user_defined'
  memType: string
  memSize: number
  memAmount: number
  memFrequency: number
  nicAmount: number
  nicRate: number
  interfaceMode: 'bond' | 'dual' | 'single'
  gpuAmount: number
  gpuManufacturer: string
  gpuModel: string
  boot_mode: string
  isNeedRaid: string
  cpuInfo: string
  memInfo: string
  svInfo: string
  dvInfo: string
  description?: string
  volumes: Volume[]
  deviceCount: number
  instanceCount: number
  stockAvailable: number
  createdTime: string
}

export interface CpuPreset {
  value: number
  label: string
  info: { cpuManufacturer: string; cpuModel: string; cpuAmount: number; cpuCores: number; cpuFrequency: string }
}
export interface MemPreset {
  value: number
  label: string
  info: { memType: string; memSize: number; memAmount: number; memFrequency: number }
}
/** The device-type form's choices (GET /filterList). */
export interface FilterList {
  /** Architecture value → its label. */
  architecture: Record<string, string>
  bootMode: string[]
  cpu: CpuPreset[]
  mem: MemPreset[]
  raidRules: unknown
}
export interface Raid {
  raidId: string
  name: string
}

export const deviceTypeApi = {
  list: (query: Page & { idcId?: string; name?: string; deviceSeries?: string }) =>
    api.get<{ deviceTypes: DeviceType[] } & Paged>('/deviceTypes', query),
  get: (id: string) => api.get<{ deviceType: DeviceType }>(`/deviceTypes/queryDeviceType/${encodeURIComponent(id)}`),
  create: (body: object) => api.put<{ deviceTypeId: string }>('/deviceTypes', body),
  modify: (id: string, body: object) => api.put<Ok>(`/deviceTypes/${encodeURIComponent(id)}`, body),
  remove: (id: string) => api.delete<Ok>(`/deviceTypes/${encodeURIComponent(id)}`),
  copy: (id: string, body: { name: string; deviceType: string; idcId?: string }) =>
    api.post<{ deviceTypeId: string }>(`/deviceTypes/${encodeURIComponent(id)}/copy`, body),
  images: (deviceTypeId: string, query: Page = {}) =>
    api.get<{ images: Image[] } & Paged>('/deviceTypes/deviceTypeImage', { deviceTypeId, ...query }),
  bindImages: (deviceTypeId: string, imageIds: string[]) =>
    api.post<Ok>('/deviceTypes/associatedImage', { deviceTypeId, imageIds }),
  unbindImage: (deviceTypeId: string, imageId: string) =>
    api.post<Ok>('/deviceTypes/dissociatedImage', { deviceTypeId, imageId }),
  filterList: () => api.get<FilterList>('/filterList'),
  raids: () => api.get<{ raids: Raid[] }>('/raids'),
  exportUrl: (query: object) => exportUrl('/deviceTypes', query),
}

// -- images ---------------------------------------------------------------------------------------

export interface Image {
  imageId: string
  imageName: string
  architecture: string
  osType: string
  osVersion: string
  format: string
  bootMode: string
  filename: string
  url: string
  hash: string
  source: string
  sourceName?: string
  deviceTypeNum: number
  description: string
  createdTime: string
}
export interface OsFilter {
  architecture: Record<string, { value: string; osType: Record<string, string[]> }>
  format: string[]
  bootMode: string[]
}
export interface Uploaded {
  imageId: string
  filename: string
  url: string
  /** The SHA-256 openapi records (the agent checks what it writes against it). */
  hash: string
  sha256: string
  md5: string
  size: number
}

export const imageApi = {
  list: (query: Page & { imageName?: string; architecture?: string; osType?: string }) =>
    api.get<{ images: Image[] } & Paged>('/images', query),
  get: (id: string) => api.get<{ image: Image }>(`/images/${encodeURIComponent(id)}`),
  create: (body: object) => api.post<{ imageId: string }>('/images', body),
  modify: (id: string, body: { description: string }) => api.put<Ok>(`/images/${encodeURIComponent(id)}`, body),
  remove: (id: string) => api.delete<Ok>(`/images/${encodeURIComponent(id)}`),
  osFilter: () => api.get<OsFilter>('/oss/filter'),
  deviceTypes: (imageId: string, query: Page & { isBind?: string } = {}) =>
    api.get<{ deviceTypes: (DeviceType & { isBind: boolean })[] } & Paged>('/images/imageDeviceTypes', { imageId, ...query }),
  bindDeviceTypes: (imageId: string, deviceTypeIds: string[]) =>
    api.post<Ok>('/images/associatedDeviceType', { imageId, deviceTypeIds }),
  /** A DELETE, as upstream's portal (a device type unbinds its image with a POST). */
  unbindDeviceType: (imageId: string, deviceTypeId: string) =>
    api.delete<Ok>('/images/dissociatedDeviceType', { imageId, deviceTypeId }),
  /** Uploads the file and registers it (the BFF computes its hash). */
  upload: (form: FormData, onProgress: (fraction: number) => void) => upload<Uploaded>('/images/upload', form, onProgress),
  exportUrl: (query: object) => exportUrl('/images', query),
}

// -- devices --------------------------------------------------------------------------------------

export type ManageStatus = 'in' | 'putawaying' | 'putaway' | 'putawayfail' | 'created' | 'removed'

export interface Device {
  deviceId: string
  sn: string
  idcId: string
  idcName: string
  deviceTypeId: string
  deviceTypeName: string
  deviceSeriesName: string
  architecture: string
  manageStatus: ManageStatus
  manageStatusName: string
  reasonName?: string
  collectStatus?: string
  collectStatusName?: string
  collectFailReason?: string
  cabinet?: string
  uPosition?: string
  brand: string
  model: string
  iloIp?: string
  mac1?: string
  privateIpv4: string
  privateIpv6: string
  instanceId: string
  instanceName: string
  instanceStatus: string
  instanceStatusName: string
  userName?: string
  cpuInfo: string
  memInfo: string
  svInfo: string
  dvInfo: string
  description?: string
  createdTime: string
  locked: string
}
export interface DeviceFilters {
  idcId?: string
  sn?: string
  deviceTypeId?: string
  manageStatus?: string
  iloIp?: string
  ipv4?: string
  userName?: string
  userId?: string
  collectStatus?: string
}
export interface Disk {
  diskId: string
  name: string
  serialNumber?: string
  mediaType: string
  pdType: string
  size: string
  sizeUnit: string
  enclosure: string
  slot: number
  selected: boolean
}
/** A volume of the device's type with the disks serving it (describeDeviceDisks). */
export interface VolumeDisks {
  volumeId: string
  volumeName: string
  volumeType: 'system' | 'data'
  volumeTypeName: string
  diskType: string
  interfaceType: string
  volumeSize: string
  volumeUnit: string
  volumeAmount: number
  raid: string
  disks: Disk[]
}
export interface DeviceDisks {
  disks: Disk[]
  /** The drives the OS sees (upstream's name). */
  panfu: Disk[]
  volumes: VolumeDisks[]
}
/** A refused spreadsheet row (Excel's row number). */
export interface RowProblem {
  row: number
  column: string
  value: string
  reason: string
}

export const deviceApi = {
  list: (query: Page & DeviceFilters) => api.get<{ devices: Device[] } & Paged>('/devices/queryDevices', query),
  get: (id: string) => api.get<{ device: Device }>(`/devices/queryDevice/${encodeURIComponent(id)}`),
  create: (body: object) => api.post<{ deviceIds: string[] }>('/devices', body),
  modify: (id: string, body: { description: string }) => api.put<Ok>(`/devices/${encodeURIComponent(id)}`, body),
  remove: (id: string) => api.delete<Ok>(`/devices/${encodeURIComponent(id)}`),
  putaway: (deviceId: string) => api.put<Ok>('/devices/putaway', { deviceId }),
  unPutaway: (deviceId: string) => api.put<Ok>('/devices/unPutaway', { deviceId }),
  collect: (sns: string[], allowOverride = false) =>
    api.post<Ok>('/devices/collect', { collects: sns.map((sn) => ({ sn, allowOverride })) }),
  bindDeviceType: (deviceId: string, deviceTypeId: string) =>
    api.put<Ok>('/devices/deviceType/associate', { deviceId, deviceTypeId }),
  disks: (id: string) => api.get<DeviceDisks>(`/devices/${encodeURIComponent(id)}/disksDetail`),
  /** The device's disks that may serve a volume of its type, `selected` if they do. */
  volumeDisks: (deviceId: string, deviceTypeId: string, volumeId: string) =>
    api.get<Disk[]>('/devices/disks/describeAssociateDisks', { deviceId, deviceTypeId, volumeId }),
  /** Which disks serve each volume (every volume of the type, all at once). */
  associateDisks: (deviceId: string, deviceTypeId: string, volumes: { volumeId: string; diskId: string[] }[]) =>
    api.put<Ok>('/devices/disks/associateDisks', { deviceId, deviceTypeId, volumes }),
  /** The spreadsheet with the IDC (and optionally a device type): all rows or none. */
  importFile: (form: FormData, onProgress?: (fraction: number) => void) =>
    upload<{ count: number; deviceIds: string[] }>('/devices/upload', form, onProgress),
  templateUrl: () => '/operation-web/devices/template',
  exportUrl: (query: object) => exportUrl('/devices/queryDevices', query),
}

// -- instances on sold devices --------------------------------------------------------------------

export type InstanceAction = 'start' | 'stop' | 'restart' | 'lock' | 'unlock' | 'resetStatus'
export const instanceApi = {
  act: (action: InstanceAction, instanceId: string) =>
    api.post<Ok>(`/instances/${action}/${encodeURIComponent(instanceId)}`),
  remove: (instanceId: string) => api.delete<Ok>(`/instances/${encodeURIComponent(instanceId)}`),
  resetPassword: (instanceId: string, password: string) => api.post<Ok>('/instances/resetPasswd', { instanceId, password }),
  reinstall: (instanceId: string, body: ReinstallBody) => api.post<Ok>('/instances/reinstallInstance', { instanceId, ...body }),
  startMany: (instanceIds: string[]) => api.post<Ok>('/instances/startInstances', { instanceIds }),
  stopMany: (instanceIds: string[]) => api.post<Ok>('/instances/stopInstances', { instanceIds }),
  restartMany: (instanceIds: string[]) => api.post<Ok>('/instances/restartInstances', { instanceIds }),
  removeMany: (instanceIds: string[]) => api.delete<Ok>('/instances/deleteInstances', { instance_ids: instanceIds }),
  resetPasswordMany: (instanceIds: string[], password: string) =>
    api.post<Ok>('/instances/batchResetPasswd', { instance_ids: instanceIds, password }),
  /** The images a device type's instances may be (re)installed with, by OS. */
  images: (deviceTypeId: string) => api.get<Record<string, Image[]>>('/images/queryImagesByDeviceType', { deviceTypeId }),
}

// -- jobs (ours): what the scheduler runs for an instance or a device ---------------------------

export type JobStatus = 'queued' | 'submitted' | 'running' | 'succeeded' | 'failed' | 'cancelled'
export interface Job {
  jobId: string
  task: string
  status: JobStatus
  sn: string
  deviceId: string
  instanceId: string
  /** The step it is at (or ended at). */
  action: string
  reason: string
  message: string
  createdBy: string
  createdTime: string
  updatedTime: string
  finishedTime: string | null
}
export const jobApi = {
  list: (query: Page & { sn?: string; instanceId?: string; task?: string; status?: string }) =>
    api.get<{ jobs: Job[] } & Paged>('/jobs', query),
  get: (id: string) => api.get<Job>(`/jobs/${encodeURIComponent(id)}`),
  cancel: (id: string) => api.put<Ok>(`/jobs/${encodeURIComponent(id)}/cancel`),
  /** Again from step `fromStep` (0-based), or from the failed one. */
  retry: (id: string, fromStep?: number) =>
    api.put<Ok>(`/jobs/${encodeURIComponent(id)}/retry`, fromStep === undefined ? {} : { fromStep }),
  /** Its flight recorder: what the platform did and the boot services saw, and the verdict. */
  timeline: (id: string) => api.get<JobTimeline>(`/jobs/${encodeURIComponent(id)}/timeline`),
}

/** One thing seen during a job; `detail`'s fields depend on `kind` (contract parts/job.yaml). */
export interface JobTimelineEntry {
  /** ISO 8601, UTC, milliseconds. */
  time: string
  source: string
  kind: string
  detail: Record<string, unknown>
}
/** The likely cause of a failure or a stall (bmp_common.flight_verdict). */
export interface JobVerdict {
  code: string
  message: string
}
export interface JobTimeline {
  jobId: string
  task: string
  status: JobStatus
  instanceId: string
  verdict: JobVerdict | null
  entries: JobTimelineEntry[]
}

/** What an operator may do with a job: cancel one that has not ended, retry one that failed
 * or was cancelled (openapi says 409 when it is not the resource's last). */
export function jobActions(status: JobStatus): { cancel: boolean; retry: boolean } {
  return {
    cancel: status === 'queued' || status === 'submitted' || status === 'running',
    retry: status === 'failed' || status === 'cancelled',
  }
}

// -- users, roles ---------------------------------------------------------------------------------

export interface User {
  userId: string
  userName: string
  roleId: string
  roleName: string
  email: string
  phonePrefix: string
  phoneNumber: string
  description: string
  createdTime: string
}
export interface Role {
  roleId: string
  roleName?: string
  roleNameEn: string
  roleNameCn: string
  userCount?: number
  createdTime: string
}

export const userAdminApi = {
  list: (query: Page & { userName?: string; roleId?: string }) => api.get<{ users: User[] } & Paged>('/users', query),
  create: (body: object) => api.put<{ userId: string }>('/users', body),
  modify: (id: string, body: object) => api.post<Ok>(`/users/${encodeURIComponent(id)}`, body),
  remove: (id: string) => api.delete<Ok>(`/users/${encodeURIComponent(id)}`),
  exportUrl: (query: object) => exportUrl('/users', query),
}
export const roleApi = {
  list: (query: Page = {}) => api.get<{ roles: Role[] } & Paged>('/roles', query),
}

// -- messages, mail -------------------------------------------------------------------------------

export interface Message {
  message_id: string
  message_type: string
  message_type_name: string
  message_sub_type_name: string
  content?: string
  detail: string
  finish_time: number
  has_read: number
}
export interface MailSettings {
  server_addr: string
  server_port: string
  admin_addr: string
  /** Masked. */
  admin_pass: string
  to: string
  is_push: '0' | '1'
  /** Whether a test mail went through with these settings. */
  is_pass: '0' | '1'
}

export const messageApi = {
  list: (query: Page & { hasRead?: string; messageType?: string; detail?: string }) =>
    api.get<{ messages: Message[] } & Paged>('/messages', query),
  get: (messageId: string) => api.get<{ message: Message; prevMessageId?: string; nextMessageId?: string }>('/messages/getMessageById', { messageId }),
  types: () => api.get<Record<string, string[]>>('/messages/getMessageTypes'),
  read: (messageIds: string[]) => api.put<Ok>('/messages/doRead', { messageIds }),
  remove: (messageIds: string[]) => api.delete<Ok>('/messages/delete', { messageIds }),
  unread: () => api.get<{ hasUnread: boolean }>('/messages/hasUnreadMessage'),
  mail: () => api.get<MailSettings>('/messages/describeMail'),
  dialMail: (body: object) => api.post<Ok>('/messages/dialMail', body),
  push: (isPush: boolean) => api.post<Ok>('/messages/saveIsPushMail', { is_push: isPush ? '1' : '0' }),
  exportUrl: (query: object) => exportUrl('/messages', query),
}

// -- audit logs -----------------------------------------------------------------------------------

export interface AuditLog {
  logid: string
  sn: string
  instanceId: string
  operation: string
  operationName: string
  userName: string
  result: 'success' | 'fail'
  failReason: string
  operateTime: number
  finishTime: number
}
export const auditApi = {
  list: (query: Page & { sn?: string; operation?: string; username?: string; result?: string }) =>
    api.get<{ auditLogs: AuditLog[] } & Paged>('/auditLogs', query),
  types: () => api.get<{ name: string; operation: string }[]>('/auditLogs/types'),
  exportUrl: (query: object) => exportUrl('/auditLogs', query),
}

// -- in-band monitoring (every user's rules and alerts) -------------------------------------------

export const monitorApi = {
  rules: (query: Page & { ruleName?: string; userName?: string }) =>
    api.get<{ rules: Row[] } & Paged>('/monitorRule/describeRules', query),
  rule: (ruleId: string) => api.get<Row>('/monitorRule/describeRule', { ruleId }),
  alerts: (query: Page & { ruleId?: string; userName?: string }) =>
    api.get<{ instances: Row[] } & Paged>('/monitorAlert/describeAlerts', query),
  rulesExportUrl: (query: object) => exportUrl('/monitorRule/describeRules', query),
  alertsExportUrl: (query: object) => exportUrl('/monitorAlert/describeAlerts', query),
  data: (query: object) => api.get<Row[]>('/monitorData', query),
}

// -- out-of-band (oob-alert's names, snake_case, under /oob-alert/) -------------------------------

const OOB = '/oob-alert'
const V1 = '/v1/oob-alert'
export type OobPage<T> = { detail: T[]; page_number: number; page_size: number; total_count: number }
export type OobQuery = { page_num?: number; page_size?: number; [key: string]: unknown }

/** oob-alert's paging names for a page of the console's lists. */
export function oobPaging<F extends object>(query: { pageNumber: number; pageSize: number } & F): OobQuery {
  const { pageNumber, pageSize, ...filters } = query
  return { ...filters, page_num: pageNumber, page_size: pageSize }
}

export interface DeviceHealthRow {
  idc_name: string
  sn: string
  device_id: string
  brand: string
  model: string
  manage_status: string
  health: Record<string, string>
}
export interface FaultRow {
  logid: number
  sn: string
  idc_name: string
  alert_name: string
  alert_desc: string
  alert_type: string
  alert_part: string
  alert_level: string
  alert_content: string
  collect_time: string
  event_time: string
  count: number
  status: 0 | 1
  handled_by: string
}
export interface FaultRule {
  rule_id: number
  alert_name: string
  alert_spec: string
  alert_type: string
  alert_condition: string
  alert_threshold: string
  alert_level: string
  alert_desc: string
  push_status: number
  use_status: number
}

const oobPost = <T>(path: string, body: object) => request<T>('POST', `${V1}${path}`, { body, base: OOB })

export const oobApi = {
  status: (query: OobQuery) => api.get<OobPage<DeviceHealthRow>>(`${V1}/device/status`, query, OOB),
  logs: (query: OobQuery) => api.get<OobPage<FaultRow>>(`${V1}/logs`, query, OOB),
  deviceLogs: (sn: string, query: OobQuery = {}) => api.get<OobPage<FaultRow>>(`${V1}/consolelogs`, { sn, ...query }, OOB),
  deal: (logid: number) => oobPost<Ok>('/logs/deal', { logid }),
  rules: (query: OobQuery) => api.get<OobPage<FaultRule>>(`${V1}/rules`, query, OOB),
  specs: () => api.get<string[]>(`${V1}/rules/alert-spec-list`, {}, OOB),
  levels: () => api.get<string[]>(`${V1}/rules/alert-level-list`, {}, OOB),
  changePush: (rule_id: number, push_status: number) => oobPost<Ok>('/rules/change-push', { rule_id, push_status }),
  changeUse: (rule_id: number, use_status: number) => oobPost<Ok>('/rules/change-use', { rule_id, use_status }),
  reset: (rule_ids: number[]) => oobPost<Ok>('/rules/reset', { rule_ids }),
  exportUrl: (path: 'device/status' | 'logs' | 'rules', query: object) =>
    exportUrl(`${V1}/${path}`, { ...query, page_num: undefined, page_size: undefined }, OOB),
}
