/**
 * The 21 in-band metrics the guest agent reports (upstream's bmp.* names): which dimension a
 * rule or a chart takes them in, their unit, and how a chart groups them. Both consoles draw
 * them (the tenants' instance page, the operators' device page and in-band monitoring page).
 */
import type { Dimension } from '../api/monitoring'

export interface Metric {
  name: string
  dimension: Dimension
  unit: string
  /** The i18n key of its name: common.monitor.metrics.<name with _ for .> */
  key: string
}

const m = (name: string, dimension: Dimension, unit: string): Metric => ({
  name,
  dimension,
  unit,
  key: `common.monitor.metrics.${name.replace(/\./g, '_')}`,
})

export const METRICS: readonly Metric[] = [
  m('bmp.cpu.util', 'instance', '%'),
  m('bmp.memory.util', 'instance', '%'),
  m('bmp.memory.used', 'instance', 'GB'),
  m('bmp.disk.util', 'instance', '%'),
  m('bmp.disk.used', 'instance', 'GB'),
  m('bmp.avg.load1', 'instance', ''),
  m('bmp.avg.load5', 'instance', ''),
  m('bmp.avg.load15', 'instance', ''),
  m('bmp.tcp.connect.total', 'instance', ''),
  m('bmp.tcp.connect.established', 'instance', ''),
  m('bmp.process.total', 'instance', ''),
  m('bmp.disk.bytes.read', 'disk', 'Bps'),
  m('bmp.disk.bytes.write', 'disk', 'Bps'),
  m('bmp.disk.counts.read', 'disk', 'IOPS'),
  m('bmp.disk.counts.write', 'disk', 'IOPS'),
  m('bmp.disk.partition.util', 'mountpoint', '%'),
  m('bmp.disk.partition.used', 'mountpoint', 'GB'),
  m('bmp.network.bytes.ingress', 'nic', 'bps'),
  m('bmp.network.bytes.egress', 'nic', 'bps'),
  m('bmp.network.packets.ingress', 'nic', 'pps'),
  m('bmp.network.packets.egress', 'nic', 'pps'),
]

export const DIMENSIONS: readonly Dimension[] = ['instance', 'disk', 'mountpoint', 'nic']

export function metricsOf(dimension: Dimension): Metric[] {
  return METRICS.filter((metric) => metric.dimension === dimension)
}

export function metric(name: string): Metric | undefined {
  return METRICS.find((one) => one.name === name)
}

/** A chart's time range: the last N hours, and a step that keeps it to about 60-360 points. */
export const RANGES = [
  { key: '1h', hours: 1, step: 60 },
  { key: '6h', hours: 6, step: 60 },
  { key: '12h', hours: 12, step: 120 },
  { key: '1d', hours: 24, step: 300 },
  { key: '3d', hours: 72, step: 900 },
  { key: '7d', hours: 168, step: 1800 },
] as const

export function stepFor(seconds: number): number {
  // 60 s (the agent's period) at least, at most about 360 points.
  return Math.max(60, Math.ceil(seconds / 360 / 60) * 60)
}
