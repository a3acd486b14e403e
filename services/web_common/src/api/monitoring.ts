/**
 * The in-band charts' routes, the same on both BFFs (each relays openapi's monitoring
 * operations as its session's user: a tenant's own instances, an operator's any): the series of
 * an instance's metrics (pronoea), its agent's state and the devices it reported (monitor-proxy).
 */
import { api } from './client'

export type Dimension = 'instance' | 'disk' | 'mountpoint' | 'nic'
export type Calculation = 'min' | 'max' | 'avg' | 'sum'

export interface Series {
  data: { timestamp: number; value: string }[]
  query: { labels: Record<string, string> }
}

export interface AgentStatus {
  instance_id: string
  status: 0 | 1 | 2
  statusName: string
  agent_version: string
  timestamp: number
}

export interface SeriesQuery {
  instanceId: string
  metricName: string
  device?: string
  startTime: number
  endTime: number
  timeInterval: number
  downSampleType?: Calculation
}

export const monitorApi = {
  series: (query: SeriesQuery) => api.get<Series[]>('/monitorData', query),
  agentStatus: (instanceIds: string[]) =>
    api.get<{ agentStatus: AgentStatus[] }>('/monitorProxy/desrcibeAgentStatus', { instanceId: instanceIds.join(',') }),
  tags: (instanceId: string, tagName: Exclude<Dimension, 'instance'>) =>
    api.get<{ tags: string[] }>('/monitorProxy/desrcibeTags', { instanceId, tagName }),
}
