import { defineStore } from 'pinia'
import { messageApi } from '../api/messages'

/** The message bell: how many in-site messages are unread (live: `message` events). */
export const useMessagesStore = defineStore('messages', {
  state: () => ({ unread: 0, total: 0 }),
  actions: {
    async loadUnread(): Promise<void> {
      const statistic = await messageApi.statistic().catch(() => null)
      if (!statistic) return
      this.unread = statistic.unreadCount
      this.total = statistic.totalCount
    },
  },
})
