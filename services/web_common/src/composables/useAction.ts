import { ElMessage, ElMessageBox } from 'element-plus'
import { useI18n } from 'vue-i18n'
import { ApiError } from '../api/client'

/**
 * Runs an action that changes something and shows its result: a confirmation first when it
 * destroys (or when `confirm` is given), then a success message or the server's own error.
 */
export function useAction() {
  const { t } = useI18n()

  /** True when the action ran and succeeded (false: cancelled or refused). */
  async function run(
    action: () => Promise<unknown>,
    options: { confirm?: string; done?: string; danger?: boolean } = {},
  ): Promise<boolean> {
    if (options.confirm) {
      try {
        await ElMessageBox.confirm(options.confirm, t('common.confirm.title'), {
          confirmButtonText: t('common.actions.confirm'),
          cancelButtonText: t('common.actions.cancel'),
          type: options.danger ? 'warning' : 'info',
        })
      } catch {
        return false // cancelled
      }
    }
    try {
      await action()
      ElMessage.success(options.done ?? t('common.messages.done'))
      return true
    } catch (caught) {
      if (caught instanceof ApiError && caught.notLoggedIn) return false
      ElMessage.error(caught instanceof ApiError ? caught.message : String(caught))
      return false
    }
  }

  return { run }
}
