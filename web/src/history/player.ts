/**
 * The history page's controls: a slider over revisions 1..N, previous and
 * next buttons, and a play button that steps through at a chosen speed.
 * It only tracks the chosen revision; the page decides what to show for it.
 */
import { h } from '../dom'

/** Playback speeds: pause between steps, and how far one step goes. */
export const SPEEDS: ReadonlyArray<{ value: string, label: string, delayMs: number, steps: (revisions: number) => number }> = [
  { value: 'slow', label: 'Slow', delayMs: 1200, steps: () => 1 },
  { value: 'normal', label: 'Normal', delayMs: 500, steps: () => 1 },
  { value: 'fast', label: 'Fast', delayMs: 300, steps: (n) => Math.max(1, Math.ceil(n / 100)) }
]

/** The revision `steps` after `current`, not past `max`. */
export function nextRevision (current: number, max: number, steps: number): number {
  return Math.min(max, current + Math.max(1, steps))
}

/** The slider and buttons. */
export interface Player {
  element: HTMLElement
  /** The revision chosen now. */
  readonly revision: number
  readonly playing: boolean
  /** Sets the number of revisions; moves to the newest if the newest was chosen and not playing. */
  setRevisions: (count: number) => void
  /** Chooses `rev` (clamped), as if the user had. */
  choose: (rev: number) => void
}

/**
 * Controls over `count` revisions starting at `initial`. `onChoose` hears each
 * choice and resolves once that revision is shown, so playing never runs ahead
 * of what the reader sees.
 */
export function createPlayer (count: number, initial: number, onChoose: (rev: number) => Promise<void>): Player {
  let max = count
  let revision = Math.min(Math.max(1, initial), Math.max(1, count))
  let playing = false
  let timer: number | undefined

  const slider = h('input', { type: 'range', id: 'rev-slider', min: 1, max: Math.max(1, max), step: 1, value: revision, 'aria-label': 'Revision' })
  const label = h('output', { for: 'rev-slider', class: 'rev-label', 'data-testid': 'rev-label' })
  const play = h('button', { type: 'button', class: 'play', 'aria-label': 'Play', 'aria-pressed': 'false' }, '▶')
  const prev = h('button', { type: 'button', 'aria-label': 'Previous revision' }, '‹')
  const next = h('button', { type: 'button', 'aria-label': 'Next revision' }, '›')
  const speed = h('select', { id: 'speed', 'aria-label': 'Playback speed' },
    ...SPEEDS.map((s) => h('option', { value: s.value, selected: s.value === 'normal' }, s.label)))

  const update = (): void => {
    slider.max = String(Math.max(1, max))
    slider.value = String(revision)
    slider.disabled = max === 0
    slider.setAttribute('aria-valuetext', `Revision ${revision} of ${max}`)
    label.textContent = max === 0 ? 'No revisions yet' : `Revision ${revision} of ${max}`
    prev.disabled = max === 0 || revision <= 1
    next.disabled = max === 0 || revision >= max
    play.disabled = max <= 1
    play.textContent = playing ? '❚❚' : '▶'
    play.setAttribute('aria-label', playing ? 'Pause' : 'Play')
    play.setAttribute('aria-pressed', String(playing))
  }

  const choose = (rev: number): Promise<void> => {
    revision = Math.min(Math.max(1, Math.round(rev)), Math.max(1, max))
    update()
    return max === 0 ? Promise.resolve() : onChoose(revision).catch(() => {})
  }

  const stop = (): void => {
    playing = false
    window.clearTimeout(timer)
    update()
  }
  const step = async (): Promise<void> => {
    if (!playing) return
    if (revision >= max) {
      stop()
      return
    }
    const chosenSpeed = SPEEDS.find((s) => s.value === speed.value) ?? SPEEDS[1]
    const started = Date.now()
    await choose(nextRevision(revision, max, chosenSpeed.steps(max)))
    if (!playing) return
    timer = window.setTimeout(() => { void step() }, Math.max(0, chosenSpeed.delayMs - (Date.now() - started)))
  }

  let debounce: number | undefined
  slider.addEventListener('input', () => {
    revision = Number(slider.value)
    stop()
    window.clearTimeout(debounce)
    debounce = window.setTimeout(() => { void choose(Number(slider.value)) }, 120)
  })
  prev.addEventListener('click', () => { stop(); void choose(revision - 1) })
  next.addEventListener('click', () => { stop(); void choose(revision + 1) })
  play.addEventListener('click', () => {
    if (playing) {
      stop()
      return
    }
    playing = true
    update()
    // From the end, play starts again at the first revision.
    if (revision >= max) void choose(1).then(() => { timer = window.setTimeout(() => { void step() }, 400) })
    else void step()
  })

  update()
  return {
    element: h('div', { class: 'player' },
      h('div', { class: 'player-buttons' }, play, prev, next,
        h('label', { class: 'inline-field', for: 'speed' }, 'Speed ', speed)),
      slider, label),
    get revision () { return revision },
    get playing () { return playing },
    setRevisions: (n: number) => {
      const follow = revision >= max && !playing
      max = n
      if (follow && n > 0) void choose(n)
      else update()
    },
    choose: (rev: number) => { void choose(rev) }
  }
}
