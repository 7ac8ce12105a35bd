/** Display formatting shared by list and reading pane. */

const sizeUnits = ['B', 'KB', 'MB', 'GB']

/** 1536 → "1.5 KB". */
export function formatSize(n: number): string {
  let v = n
  let u = 0
  while (v >= 1024 && u < sizeUnits.length - 1) {
    v /= 1024
    u++
  }
  return `${u === 0 ? v : v < 10 ? v.toFixed(1) : Math.round(v)} ${sizeUnits[u]}`
}

/** List dates: time today, "Mon 12" this week, "Nov 3" this year, else "2024-11-03". */
export function formatListDate(iso: string | null, now = new Date()): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const sameDay = d.toDateString() === now.toDateString()
  if (sameDay) return d.toLocaleTimeString('en-US', { hour: 'numeric', minute: '2-digit' })
  const days = (now.getTime() - d.getTime()) / 86_400_000
  if (days >= 0 && days < 6) return d.toLocaleDateString('en-US', { weekday: 'short', day: 'numeric' })
  if (d.getFullYear() === now.getFullYear()) return d.toLocaleDateString('en-US', { month: 'short', day: 'numeric' })
  return d.toISOString().slice(0, 10)
}

/** Reading pane date: "Mon, Nov 23, 2026, 5:01 AM". */
export function formatFullDate(d: Date | null, raw: string): string {
  if (!d) return raw || 'No date'
  return d.toLocaleString('en-US', { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' })
}
