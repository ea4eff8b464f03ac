/**
 * The history page's controls: a slider over the history's stops, previous
 * and next buttons, and a play button that steps through at a chosen speed.
 * The stops are revisions: the ends of the work sessions, or every revision
 * when the reader asks for fine steps. The player only tracks the chosen
 * revision; the page decides what to show for it.
 */
import { h } from '../dom'

/** Playback speeds: pause between steps, and how many stops one step goes. */
export const SPEEDS: ReadonlyArray<{ value: string, label: string, delayMs: number, steps: (stops: number) => number }> = [
  { value: 'slow', label: 'Slow', delayMs: 1200, steps: () => 1 },
  { value: 'normal', label: 'Normal', delayMs: 500, steps: () => 1 },
  { value: 'fast', label: 'Fast', delayMs: 300, steps: (n) => Math.max(1, Math.ceil(n / 100)) }
]

/** The index `steps` after `current`, not past `max`. */
export function nextRevision (current: number, max: number, steps: number): number {
  return Math.min(max, current + Math.max(1, steps))
}

/** The index of the stop that shows `rev`: the first stop at or after it (the last one past the end). */
export function stopIndex (stops: readonly number[], rev: number): number {
  const at = stops.findIndex((s) => s >= rev)
  return at === -1 ? Math.max(0, stops.length - 1) : at
}

/** The slider and buttons. */
export interface Player {
  element: HTMLElement
  /** The revision chosen now (0 before there is any). */
  readonly revision: number
  readonly playing: boolean
  /**
   * Sets the stops (sorted revisions) and the number of revisions; follows
   * to the newest if the newest was chosen and not playing, else keeps the
   * chosen revision's stop.
   */
  setStops: (stops: readonly number[], revisions: number) => void
  /** Chooses the stop that shows `rev`, as if the user had. */
  choose: (rev: number) => void
}

/**
 * Controls over `stops` (sorted revisions) of a history of `revisions`,
 * starting at the stop that shows `initial`. `describe` names a stop for the
 * label and screen readers. `onChoose` hears each choice and resolves once
 * that revision is shown, so playing never runs ahead of what the reader sees.
 */
export function createPlayer (
  stops: readonly number[],
  revisions: number,
  initial: number,
  onChoose: (rev: number) => Promise<void>,
  describe: (index: number, count: number, rev: number, revisions: number) => string
): Player {
  let list = [...stops]
  let total = revisions
  let index = stopIndex(list, initial)
  let playing = false
  let timer: number | undefined

  const slider = h('input', { type: 'range', id: 'rev-slider', min: 0, max: Math.max(0, list.length - 1), step: 1, value: index, 'aria-label': 'Step in the history' })
  const label = h('output', { for: 'rev-slider', class: 'rev-label', 'data-testid': 'rev-label' })
  const play = h('button', { type: 'button', class: 'play', 'aria-label': 'Play', 'aria-pressed': 'false' }, '▶')
  const prev = h('button', { type: 'button', 'aria-label': 'Previous step' }, '‹')
  const next = h('button', { type: 'button', 'aria-label': 'Next step' }, '›')
  const speed = h('select', { id: 'speed', 'aria-label': 'Playback speed' },
    ...SPEEDS.map((s) => h('option', { value: s.value, selected: s.value === 'normal' }, s.label)))

  const revision = (): number => list[index] ?? 0
  const update = (): void => {
    const empty = list.length === 0
    slider.max = String(Math.max(0, list.length - 1))
    slider.value = String(index)
    slider.disabled = empty
    const text = empty ? 'No revisions yet' : describe(index, list.length, revision(), total)
    slider.setAttribute('aria-valuetext', text)
    label.textContent = text
    prev.disabled = empty || index <= 0
    next.disabled = empty || index >= list.length - 1
    play.disabled = list.length <= 1
    play.textContent = playing ? '❚❚' : '▶'
    play.setAttribute('aria-label', playing ? 'Pause' : 'Play')
    play.setAttribute('aria-pressed', String(playing))
  }

  const chooseIndex = (i: number): Promise<void> => {
    index = Math.min(Math.max(0, Math.round(i)), Math.max(0, list.length - 1))
    update()
    return list.length === 0 ? Promise.resolve() : onChoose(revision()).catch(() => {})
  }

  const stop = (): void => {
    playing = false
    window.clearTimeout(timer)
    update()
  }
  const step = async (): Promise<void> => {
    if (!playing) return
    if (index >= list.length - 1) {
      stop()
      return
    }
    const chosenSpeed = SPEEDS.find((s) => s.value === speed.value) ?? SPEEDS[1]
    const started = Date.now()
    await chooseIndex(nextRevision(index, list.length - 1, chosenSpeed.steps(list.length)))
    if (!playing) return
    timer = window.setTimeout(() => { void step() }, Math.max(0, chosenSpeed.delayMs - (Date.now() - started)))
  }

  let debounce: number | undefined
  slider.addEventListener('input', () => {
    index = Number(slider.value)
    stop()
    window.clearTimeout(debounce)
    debounce = window.setTimeout(() => { void chooseIndex(Number(slider.value)) }, 120)
  })
  prev.addEventListener('click', () => { stop(); void chooseIndex(index - 1) })
  next.addEventListener('click', () => { stop(); void chooseIndex(index + 1) })
  play.addEventListener('click', () => {
    if (playing) {
      stop()
      return
    }
    playing = true
    update()
    // From the end, play starts again at the first stop.
    if (index >= list.length - 1) void chooseIndex(0).then(() => { timer = window.setTimeout(() => { void step() }, 400) })
    else void step()
  })

  update()
  return {
    element: h('div', { class: 'player' },
      h('div', { class: 'player-buttons' }, play, prev, next,
        h('label', { class: 'inline-field', for: 'speed' }, 'Speed ', speed)),
      slider, label),
    get revision () { return revision() },
    get playing () { return playing },
    setStops: (next: readonly number[], revisions: number) => {
      const follow = index >= list.length - 1 && !playing
      const wanted = revision()
      const changed = next.length !== list.length || next.some((s, i) => s !== list[i])
      list = [...next]
      total = revisions
      if (follow && list.length > 0) {
        index = list.length - 1
        if (list[index] !== wanted) {
          void chooseIndex(index)
          return
        }
      } else if (changed) {
        index = stopIndex(list, wanted)
        if (list[index] !== wanted && list.length > 0) {
          void chooseIndex(index)
          return
        }
      }
      update()
    },
    choose: (rev: number) => { void chooseIndex(stopIndex(list, rev)) }
  }
}
