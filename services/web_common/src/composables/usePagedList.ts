import { reactive, ref, shallowRef } from 'vue'
import { ApiError } from '../api/client'

export interface PageQuery {
  pageNumber: number
  pageSize: number
}

export interface PageAnswer<T> {
  items: T[]
  totalCount: number
}

/**
 * A list paged on the server: `load` asks for one page with the filters; changing a filter goes
 * back to the first page. The last error (the server's message) is kept for the page to show.
 */
export function usePagedList<T, F extends object>(
  fetchPage: (query: PageQuery & F) => Promise<PageAnswer<T>>,
  initialFilters: F,
  pageSize = 20,
) {
  const items = shallowRef<T[]>([])
  const total = ref(0)
  const loading = ref(false)
  const error = ref('')
  const page = reactive<PageQuery>({ pageNumber: 1, pageSize })
  const filters = reactive({ ...initialFilters }) as F

  async function load(): Promise<void> {
    loading.value = true
    try {
      const answer = await fetchPage({ ...(filters as F), ...page })
      items.value = answer.items
      total.value = answer.totalCount
      error.value = ''
    } catch (caught) {
      // A 402 is no error of the list: the browser is on its way to the login page.
      if (!(caught instanceof ApiError && caught.notLoggedIn)) {
        error.value = caught instanceof ApiError ? caught.message : String(caught)
      }
    } finally {
      loading.value = false
    }
  }

  function search(): Promise<void> {
    page.pageNumber = 1
    return load()
  }

  function reset(): Promise<void> {
    Object.assign(filters, initialFilters)
    return search()
  }

  return { items, total, loading, error, page, filters, load, search, reset }
}
