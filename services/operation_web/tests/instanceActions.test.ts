/** What the device pages offer for the instance on a sold device, by its status and lock
 * (openapi's transition table refuses the rest). */
import { describe, expect, it } from 'vitest'
import { allowedBatchOps, allowedOps } from '../src/components/instance/actions'

const on = (instanceStatus: string, locked = 'unlocked') => ({ instanceStatus, locked })
const offered = (status: string, locked?: string) =>
  Object.entries(allowedOps(on(status, locked)))
    .filter(([, yes]) => yes)
    .map(([op]) => op)

describe('instance actions on a device', () => {
  it('by status', () => {
    expect(offered('running')).toEqual(['stop', 'restart', 'lock'])
    expect(offered('stopped')).toEqual(['start', 'resetPasswd', 'reinstall', 'lock', 'delete'])
    expect(offered('Reinstall failed')).toEqual(['reinstall', 'lock'])
    expect(offered('Shutdown failed')).toEqual(['lock', 'resetStatus'])
    expect(offered('reinstalling')).toEqual(['lock'])
  })

  it('a locked instance is neither stopped nor wiped, only unlocked or started', () => {
    expect(offered('running', 'locked')).toEqual(['unlock'])
    expect(offered('stopped', 'locked')).toEqual(['start', 'unlock'])
  })

  it('a batch action is offered when every instance allows it', () => {
    expect(allowedBatchOps([on('running'), on('running')])).toEqual({ start: false, stop: true, restart: true, resetPasswd: false, delete: false })
    expect(allowedBatchOps([on('running'), on('stopped')])).toEqual({ start: false, stop: false, restart: false, resetPasswd: false, delete: false })
    expect(allowedBatchOps([on('stopped'), on('stopped', 'locked')]).delete).toBe(false)
    expect(allowedBatchOps([]).start).toBe(false)
  })
})
