/** Who is logged in (the BFF's cookie session): loaded once per page load, cleared on logout. */
import { defineStore } from 'pinia'
import { ApiError } from '../api/client'
import { sessionApi, userApi, type UserInfo } from '../api/common'
import { liveEvents } from '../api/events'

export const useSessionStore = defineStore('session', {
  state: () => ({
    user: null as UserInfo | null,
    /** The page the user was on when the session ended (a 402), to return to after login. */
    returnTo: '',
  }),
  getters: {
    loggedIn: (state) => state.user !== null,
    userName: (state) => state.user?.userName ?? '',
  },
  actions: {
    /** The session's user, or null when there is none (402). */
    async load(): Promise<UserInfo | null> {
      try {
        this.user = (await userApi.me()).user
      } catch (error) {
        if (error instanceof ApiError && error.notLoggedIn) {
          this.user = null
          return null
        }
        throw error
      }
      return this.user
    },
    async login(username: string, password: string): Promise<void> {
      await sessionApi.health() // the CSRF cookie, before the first unsafe request
      await sessionApi.login(username, password)
      await this.load()
    },
    async logout(): Promise<void> {
      try {
        await sessionApi.logout()
      } finally {
        this.forget()
      }
    },
    /** The session is over (logout, expiry, password change). */
    forget(): void {
      this.user = null
      liveEvents.disconnect()
    },
  },
})
