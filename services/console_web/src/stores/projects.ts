/**
 * Sharing and moving projects: the requests as the contract words them (the owner and the other
 * user by id, instances as one comma-separated string), built here and unit-tested.
 */
import { defineStore } from 'pinia'
import { projectApi, type ConsoleUser, type Project } from '../api'

export type ShareScope = 'all' | 'some'

export function shareBody(
  ownerID: string,
  choice: { sharerID: string; permission: 'read' | 'write'; scope: ShareScope; instanceIds: string[] },
) {
  return {
    ownerID,
    sharerID: choice.sharerID,
    permission: choice.permission,
    instanceIDs: choice.scope === 'all' ? 'all' : choice.instanceIds.join(','),
  }
}

export const useProjectsStore = defineStore('projects', {
  state: () => ({ users: [] as ConsoleUser[], mine: [] as Project[] }),
  actions: {
    async loadUsers(): Promise<void> {
      this.users = (await projectApi.users()).users
    },
    /** The projects the user owns (targets of a move of instances). */
    async loadMine(): Promise<void> {
      this.mine = (await projectApi.list({ isAll: 1, owned: 1 })).projects
    },
    async share(project: Project, choice: Parameters<typeof shareBody>[1]): Promise<void> {
      await projectApi.share(project.projectId, shareBody(project.userId, choice))
    },
    async unshare(project: Project, sharerID: string): Promise<void> {
      await projectApi.cancelShare(project.projectId, project.userId, sharerID)
    },
    async give(project: Project, moverID: string): Promise<void> {
      await projectApi.move(project.projectId, project.userId, moverID)
    },
    async moveInstances(project: Project, instanceIds: string[], target: Project): Promise<void> {
      await projectApi.moveInstances({
        instanceIDs: instanceIds.join(','),
        ownerProjectID: project.projectId,
        moverProjectID: target.projectId,
        ownerID: project.userId,
        moverID: target.userId,
      })
    },
  },
})
