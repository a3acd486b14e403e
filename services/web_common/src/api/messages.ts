/** The in-site inbox: the same routes on both BFFs (`/messages/*`). */
import { api, exportUrl } from './client'
import type { Paged } from './common'

type Ok = { success: boolean }
type Page = { pageNumber?: number; pageSize?: number }

export interface Message {
  message_id: string
  message_type: string
  message_type_name: string
  message_sub_type: string
  message_sub_type_name: string
  finish_time: number
  has_read: number
  detail: string
  content: string
  instance_id: string
  instance_name: string
  result: string
}

export const messageApi = {
  list: (query: Page & { hasRead?: string; messageType?: string; detail?: string }) =>
    api.get<{ messages: Message[] } & Paged>('/messages', query),
  exportUrl: (query: { hasRead?: string; messageType?: string; detail?: string }) => exportUrl('/messages', query),
  get: (messageId: string) =>
    api.get<{ message: Message; nextMessageId: string; prevMessageId: string }>('/messages/getMessageById', {
      messageId,
    }),
  types: () => api.get<Record<string, string[]>>('/messages/getMessageTypes'),
  statistic: () => api.get<{ totalCount: number; unreadCount: number }>('/messages/statistic'),
  read: (messageIds: string[]) => api.put<Ok>('/messages/doRead', { messageIds }),
  remove: (messageIds: string[]) => api.delete<Ok>('/messages/delete', { messageIds }),
}
