/**
 * What an operator may do with the instance on a sold device, from its status and lock (the
 * menu greys out the rest; openapi's transition table decides: instances/states.py, whose
 * edges these mirror). Upstream's operation console offers the same actions.
 */
export type InstanceOp = 'start' | 'stop' | 'restart' | 'resetPasswd' | 'reinstall' | 'lock' | 'unlock' | 'resetStatus' | 'delete'
export type BatchOp = 'start' | 'stop' | 'restart' | 'resetPasswd' | 'delete'

export const SINGLE_OPS: readonly InstanceOp[] = ['start', 'stop', 'restart', 'resetPasswd', 'reinstall', 'lock', 'unlock', 'resetStatus', 'delete']
/** The actions openapi runs on many instances in one request. */
export const BATCH_OPS: readonly BatchOp[] = ['start', 'stop', 'restart', 'resetPasswd', 'delete']

/** A failure state that "reset status" puts back (openapi's RESET_TO). */
const RESETTABLE = ['Startup failed', 'Shutdown failed', 'Reboot failed', 'Delete failed']

export interface OnDevice {
  instanceStatus: string
  locked: string
}

export function allowedOps(target: OnDevice): Record<InstanceOp, boolean> {
  const status = target.instanceStatus
  const locked = target.locked === 'locked'
  // A locked instance refuses what would stop or wipe it (openapi's REFUSED_WHEN_LOCKED).
  return {
    start: status === 'stopped',
    stop: status === 'running' && !locked,
    restart: status === 'running' && !locked,
    resetPasswd: (status === 'stopped' || status === 'Resetpasswd failed') && !locked,
    reinstall: (status === 'stopped' || status === 'Reinstall failed') && !locked,
    lock: !locked && status !== 'destroyed',
    unlock: locked,
    resetStatus: RESETTABLE.includes(status),
    delete: (status === 'stopped' || status === 'Creation failed') && !locked,
  }
}

/** A batch action is offered when every chosen instance allows it. */
export function allowedBatchOps(targets: OnDevice[]): Record<BatchOp, boolean> {
  const each = targets.map(allowedOps)
  return Object.fromEntries(
    BATCH_OPS.map((op) => [op, each.length > 0 && each.every((allowed) => allowed[op])]),
  ) as Record<BatchOp, boolean>
}
