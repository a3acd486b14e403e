import { useLiveEvent } from '@bmp/web-common/composables/useLiveEvents'
import { onBeforeUnmount, watch, type Ref } from 'vue'
import { TRANSITIONAL, useInstancesStore } from '../stores/instances'

/**
 * Keeps the open instance current without a reload: its status (and lock, name) from the BFF's
 * live events; while an action runs, the step it is at is read again every `intervalMs` (the
 * event stream says when a job starts and ends, the scheduler keeps the steps in between).
 */
export function useInstanceFollow(instanceId: Ref<string>, intervalMs = 2000): void {
  const store = useInstancesStore()
  let timer: ReturnType<typeof setInterval> | null = null

  useLiveEvent('instance', (event) => store.onEvent(event))

  function stop(): void {
    if (timer !== null) clearInterval(timer)
    timer = null
  }

  watch(
    () => store.current?.status,
    (status) => {
      if (status && TRANSITIONAL.has(status)) {
        timer ??= setInterval(() => void store.refresh(instanceId.value).catch(() => undefined), intervalMs)
      } else {
        stop()
      }
    },
    { immediate: true },
  )
  onBeforeUnmount(stop)
}
