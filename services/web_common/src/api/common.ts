/** The routes every BFF has (bmp_common.bff.views) and those both consoles call the same way. */
import { api, clientOptions } from './client'

export interface LoginAnswer {
  success: boolean
  userId: string
  userName: string
}

export interface UserInfo {
  userId: string
  userName: string
  roleId: string
  roleName: string
  email: string
  phonePrefix: string
  phoneNumber: string
  language: string
  languageName: string
  timezone: string
  description: string
  defaultProjectId: string
  defaultProjectName: string
  instanceCount: number
  projectCount: number
  createdTime: string
}

export interface ApiKey {
  apiKeyId: string
  name: string
  readOnly: number
  type: string
  source: string
  createdTime: string
}

export interface Paged {
  pageNumber: number
  pageSize: number
  totalCount: number
}

export const sessionApi = {
  login: (username: string, password: string) =>
    api.post<LoginAnswer>('/login', { username, password }),
  logout: () => api.post<{ success: boolean }>('/logout'),
  /** Any answer sets the CSRF cookie the login needs. */
  health: () => api.get<{ status: string }>('/health'),
}

const userPath = () => clientOptions().userPath ?? '/user'

export const userApi = {
  me: () => api.get<{ user: UserInfo }>(userPath()),
  modify: (body: Partial<Pick<UserInfo, 'email' | 'phonePrefix' | 'phoneNumber' | 'language' | 'timezone' | 'description'>>) =>
    api.put<{ success: boolean }>(userPath(), body),
  password: (oldPassword: string, password: string) =>
    api.put<{ success: boolean }>(`${userPath()}/password`, { oldPassword, password }),
  timezones: () => api.get<string[]>(`${userPath()}/timezones`),
}

export const apikeyApi = {
  list: (query: { pageNumber?: number; pageSize?: number }) =>
    api.get<{ apikeys: ApiKey[] } & Paged>('/apikey', query),
  create: (name: string, readOnly: boolean) =>
    api.put<{ apikeyId: string; token: string }>('/apikey', { name, readOnly: readOnly ? 1 : 0, type: 'user' }),
  remove: (id: string) => api.delete<{ success: boolean }>(`/apikey/${encodeURIComponent(id)}`),
}

export const customApi = {
  get: <T extends object>(pageKey: string) => api.get<Partial<T>>('/custom/getCustomInfo', { pageKey }),
  set: (pageKey: string, pageValue: object) =>
    api.post<{ success: boolean }>('/custom/setCustomInfo', { pageKey, pageValue }),
}
