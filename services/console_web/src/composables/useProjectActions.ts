/**
 * What an owner does to a project, from the project list or the project's own page: rename,
 * describe, delete, share and stop sharing, give it away or move some of its instances. Each
 * asks first where it destroys, shows its result and then calls `reload`.
 */
import { useAction } from '@bmp/web-common/composables/useAction'
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { projectApi, type Project } from '../api'
import { useProjectsStore } from '../stores/projects'

export function useProjectActions(reload: () => Promise<unknown>) {
  const { t } = useI18n()
  const { run } = useAction()
  const projects = useProjectsStore()

  const target = ref<Project | null>(null)
  const renaming = ref(false)
  const describing = ref(false)
  const sharing = ref(false)
  const moving = ref(false)
  /** Instances chosen beforehand for a move (the project page's selection). */
  const moveChosen = ref<string[]>([])

  function open(dialog: 'rename' | 'describe' | 'share' | 'move', project: Project, chosen: string[] = []): void {
    target.value = project
    moveChosen.value = chosen
    ;({ rename: renaming, describe: describing, share: sharing, move: moving })[dialog].value = true
  }

  async function rename(projectName: string): Promise<void> {
    const project = target.value
    if (project && (await run(() => projectApi.rename(project.projectId, projectName)))) {
      renaming.value = false
      await reload()
    }
  }
  async function describe(description: string): Promise<void> {
    const project = target.value
    if (project && (await run(() => projectApi.describe(project.projectId, description)))) {
      describing.value = false
      await reload()
    }
  }
  async function remove(project: Project): Promise<boolean> {
    const done = await run(() => projectApi.remove(project.projectId), {
      confirm: t('project.confirmDelete', { name: project.projectName }),
      danger: true,
    })
    if (done) await reload()
    return done
  }
  async function share(choice: Parameters<typeof projects.share>[1]): Promise<void> {
    const project = target.value
    if (project && (await run(() => projects.share(project, choice)))) {
      sharing.value = false
      await reload()
    }
  }
  async function unshare(project: Project, sharerID: string, sharerName: string): Promise<void> {
    const done = await run(() => projects.unshare(project, sharerID), {
      confirm: t('project.share.confirmCancel', { name: project.projectName, user: sharerName }),
      danger: true,
    })
    if (done) await reload()
  }
  async function give(moverID: string): Promise<boolean> {
    const project = target.value
    if (!project) return false
    const user = projects.users.find((u) => u.userId === moverID)?.userName ?? moverID
    const done = await run(() => projects.give(project, moverID), {
      confirm: t('project.move.confirmGive', { name: project.projectName, user }),
      danger: true,
    })
    if (done) {
      moving.value = false
      await reload()
    }
    return done
  }
  async function moveInstances(instanceIds: string[], into: Project): Promise<void> {
    const project = target.value
    if (!project) return
    const done = await run(() => projects.moveInstances(project, instanceIds, into), {
      confirm: t('project.move.confirmInstances', { count: instanceIds.length, name: into.projectName }),
    })
    if (done) {
      moving.value = false
      await reload()
    }
  }

  return { target, renaming, describing, sharing, moving, moveChosen, open, rename, describe, remove, share, unshare, give, moveInstances }
}
