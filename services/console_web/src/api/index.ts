/** console-api's routes (services/console_api), one typed function each. */
import { api, exportUrl } from '@bmp/web-common/api/client'
import type { Paged } from '@bmp/web-common/api/common'
import type { ReinstallBody } from '@bmp/web-common/components/reinstall/choices'
// The inbox is the same on both consoles (web_common).
export { messageApi, type Message } from '@bmp/web-common/api/messages'

export interface Instance {
  instanceId: string
  instanceName: string
  hostname: string
  status: string
  statusName: string
  reason: string
  locked: string
  lockedName: string
  description: string
  projectId: string
  projectName: string
  userName: string
  idcId: string
  idcName: string
  sn: string
  privateIpv4: string
  privateIpv6: string
  deviceTypeId: string
  deviceTypeName: string
  imageId: string
  imageName: string
  osType: string
  osVersion: string
  systemVolumeRaidName: string
  bootMode: string
  cpuAmount: number
  cpuCores: number
  cpuManufacturer: string
  cpuModel: string
  memAmount: number
  memSize: number
  memType: string
  progress: { action?: string; step?: number; steps?: number; bytes?: number; total?: number }
  allowedActions: string[]
  createdTime: string
  jobId: string
}

export interface InstanceFilters {
  instanceName?: string
  instanceId?: string
  status?: string
  projectId?: string
  deviceTypeId?: string
  ipv4?: string
}

export interface ProjectShare {
  sharedUserId: string
  sharedUserName: string
  permission: 'read' | 'write'
  sharedWholeProject: boolean
  sharedInstanceIds: string
}

export interface Project {
  projectId: string
  projectName: string
  description: string
  owned: number
  isDefault: number
  instanceCount: number
  userId: string
  ownedBy: string
  shareProjects: ProjectShare[]
  createdTime: string
  updatedTime: string
}

export interface ConsoleUser {
  userId: string
  userName: string
}

export interface SshKey {
  sshkeyId: string
  name: string
  key: string
  keyType: string
  fingerPrint: string
  createdTime: string
}

export interface Idc {
  idcId: string
  name: string
  nameEn: string
}

export interface DeviceType {
  deviceTypeId: string
  name: string
  deviceType: string
  deviceSeriesName: string
  architecture: string
  cpuInfo: string
  memInfo: string
  boot_mode: string | string[]
  stocks: number
  available: boolean
}

export interface Image {
  imageId: string
  imageName: string
  osType: string
  osVersion: string
  architecture: string
  bootMode: string
}

export interface Partition {
  format: string
  point: string
  size: number
}

export interface VolumeRaids {
  volumeId: string
  volumeName: string
  volumeType: 'system' | 'data'
  diskType: string
  volumeSize: string
  volumeUnit: string
  volumeAmount: number
  raids: { raidId: string; raidName: string }[]
}


/** What a reinstall sends (the image, RAID, name, password or keys, agent), and more. */
export interface CreateInstanceBody extends ReinstallBody {
  idcId: string
  projectId: string
  deviceTypeId: string
  bootMode?: string
  systemPartition?: Partition[]
  VolumeRaids?: { volumeId: string; raidId: string; volumeType: 'data' }[]
  count: number
  description?: string
  userData?: string
}

type Page = { pageNumber?: number; pageSize?: number }
type Ok = { success: boolean }

export const instanceApi = {
  list: (query: Page & InstanceFilters) => api.get<{ instances: Instance[] } & Paged>('/instance', query),
  exportUrl: (query: InstanceFilters) => exportUrl('/instance', { ...query }),
  get: (id: string) => api.get<{ instance: Instance }>(`/instance/${encodeURIComponent(id)}`),
  create: (body: CreateInstanceBody) => api.put<{ instanceIds: string[] }>('/instance', body),
  remove: (id: string) => api.delete<Ok>(`/instance/${encodeURIComponent(id)}`),
  start: (instanceId: string) => api.post<Ok>('/instance/startInstance', { instanceId }),
  stop: (instanceId: string) => api.post<Ok>('/instance/stopInstance', { instanceId }),
  restart: (instanceId: string) => api.post<Ok>('/instance/restartInstance', { instanceId }),
  lock: (instanceId: string) => api.post<Ok>('/instance/lockInstance', { instanceId }),
  unlock: (instanceId: string) => api.post<Ok>('/instance/unlockInstance', { instanceId }),
  modify: (instanceId: string, body: { instanceName?: string; description?: string }) =>
    api.post<Ok>('/instance/modifyInstance', { instanceId, ...body }),
  resetPassword: (instanceId: string, password: string) =>
    api.post<Ok>('/instance/resetPasswd', { instanceId, password }),
  reinstall: (instanceId: string, body: ReinstallBody) =>
    api.post<Ok>('/instance/reinstallInstance', { instanceId, ...body }),
  startMany: (instanceIds: string[]) => api.post<Ok>('/instance/startInstances', { instanceIds }),
  stopMany: (instanceIds: string[]) => api.post<Ok>('/instance/stopInstances', { instanceIds }),
  restartMany: (instanceIds: string[]) => api.post<Ok>('/instance/restartInstances', { instanceIds }),
  renameMany: (ids: string[], instanceName: string) =>
    api.post<Ok>('/instance/modifyInstances', { instance_ids: ids, instanceName }),
  resetPasswordMany: (ids: string[], password: string) =>
    api.post<Ok>('/instance/batchResetPasswd', { instance_ids: ids, password }),
  deleteMany: (ids: string[]) => api.delete<Ok>('/instance/deleteInstances', { instance_ids: ids }),
}

export const projectApi = {
  list: (query: Page & { projectName?: string; owned?: number; isAll?: number }) =>
    api.get<{ projects: Project[] } & Paged>('/project', query),
  exportUrl: () => exportUrl('/project'),
  get: (id: string) => api.get<{ project: Project }>(`/project/${encodeURIComponent(id)}`),
  create: (projectName: string, isDefault = 0) =>
    api.put<{ projectId: string }>('/project', { projectName, isDefault }),
  rename: (id: string, projectName: string) => api.post<Ok>(`/project/${encodeURIComponent(id)}`, { projectName }),
  describe: (id: string, description: string) =>
    api.post<Ok>(`/project/${encodeURIComponent(id)}/description`, { description }),
  remove: (id: string) => api.delete<Ok>(`/project/${encodeURIComponent(id)}`),
  /** instanceIDs: "all" (the whole project, later instances too) or ids, comma-separated. */
  share: (id: string, body: { ownerID: string; sharerID: string; permission: 'read' | 'write'; instanceIDs: string }) =>
    api.put<Ok>(`/project/${encodeURIComponent(id)}/share`, body),
  cancelShare: (id: string, ownerID: string, sharerID: string) =>
    api.put<Ok>(`/project/${encodeURIComponent(id)}/cancelShare`, { ownerID, sharerID }),
  move: (id: string, ownerID: string, moverID: string) =>
    api.put<Ok>(`/project/${encodeURIComponent(id)}/move`, { ownerID, moverID }),
  moveInstances: (body: { instanceIDs: string; ownerProjectID: string; moverProjectID: string; ownerID: string; moverID: string }) =>
    api.put<Ok>('/project/move/instances', body),
  /** The other tenants a project can be shared with or given to (ids and names). */
  users: () => api.get<{ users: ConsoleUser[] }>('/user/getConsoleAccessUserList'),
}

export const keypairApi = {
  list: (query: Page) => api.get<{ sshkeys: SshKey[] } & Paged>('/keypair', query),
  create: (name: string, key: string) => api.put<{ sshkeyId: string }>('/keypair', { name, key }),
  rename: (id: string, name: string) => api.put<Ok>(`/keypair/${encodeURIComponent(id)}`, { name }),
  remove: (id: string) => api.delete<Ok>(`/keypair/${encodeURIComponent(id)}`),
}

export const catalogApi = {
  idcs: () => api.get<{ idcs: Idc[] }>('/idc', { isAll: 1 }),
  deviceTypes: (idcId: string) =>
    api.get<{ deviceTypes: DeviceType[] }>('/deviceType/getAvailableDeviceTypes', { idcId }),
  stockEnough: (deviceTypeId: string, count: number) =>
    api.get<{ success: boolean; stocks: number }>('/device/isDeviceStockEnough', { deviceTypeId, count }),
  images: (deviceTypeId: string) =>
    api.get<{ images: Image[] }>('/image/queryImagesByDeviceType', { deviceTypeId, isAll: 1 }),
  partitions: (deviceTypeId: string, imageId: string) =>
    api.get<{ systemPartition: Partition[]; dataPartition: Partition[] }>(
      '/partition/queryDefaultSystemPartitions',
      { deviceTypeId, imageId },
    ),
  raids: (deviceTypeId: string) =>
    api.get<VolumeRaids[]>('/raid/queryRaidsByDeviceTypeIDAndVolumeType', { deviceTypeId }),
}

