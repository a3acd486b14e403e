import { onBeforeUnmount } from 'vue'
import { liveEvents, type LiveEventMap } from '../api/events'

/** Listens to one kind of live event while the component is mounted. */
export function useLiveEvent<K extends keyof LiveEventMap>(
  name: K,
  listener: (data: LiveEventMap[K]) => void,
): void {
  const off = liveEvents.on(name, listener)
  onBeforeUnmount(off)
}
